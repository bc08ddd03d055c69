"""A linear model over a bag of sparse ids: the "wide" n-gram channel of a classifier."""

import keras
from keras import ops

from rnnkit.layers.base import check_positive_int


@keras.saving.register_keras_serializable(package="rnnkit")
class BagLinear(keras.layers.Layer):
    """Ids of a bag `[B, N]` (0 = padding) -> linear scores `[B, units]`.

    ```
    z = b + Σ_{j ∈ S} r_j W[j]          S = the distinct non-zero ids of the row
    ```

    Each id is a binary feature (present or not; repeat an id and it counts again, so
    give each id once), `W` is a trainable `[num_ids, units]` table, `b` a bias and `r`
    a fixed per-id scale (1 until `set_scale`). With `r` the naive-Bayes log-count
    ratio of each n-gram, `r_j = log((p_j / ‖p‖₁) / (q_j / ‖q‖₁))` over the positive
    (`p`) and negative (`q`) training texts (counts + 1), this is the logistic
    regression on NB-scaled binary n-grams of NBSVM (Wang & Manning 2012); added to a
    recurrent classifier's logits it is the wide part of a wide & deep model (Cheng et
    al. 2016), trained jointly with it.

    Args:
        num_ids: Positive integer, the ids' range `[0, num_ids)`; row 0 is padding.
        units: Positive integer, scores per row (the classes).
        kernel_initializer: Initializer of `W` (default zeros: the scores start at `b`).

    Call arguments:
        ids: Integer tensor `[B, N]`, each row's ids padded with 0.

    Example:

    ```python
    ids = keras.Input((None,), dtype="int32")
    logits = BagLinear(2**20, 2)(ids)                  # (None, 2)
    ```

    Reference:
        Wang & Manning, "Baselines and Bigrams: Simple, Good Sentiment and Topic
        Classification", ACL 2012.
    """

    def __init__(self, num_ids, units, kernel_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.num_ids = check_positive_int("num_ids", num_ids)
        self.units = check_positive_int("units", units)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        self.kernel = self.add_weight((self.num_ids, self.units), self.kernel_initializer,
                                      name="kernel")
        self.bias = self.add_weight((self.units,), "zeros", name="bias")
        self.scale = self.add_weight((self.num_ids,), "ones", name="scale", trainable=False)

    def set_scale(self, scale):
        """Set `r`, one value per id (row 0's is ignored)."""
        if tuple(ops.shape(scale)) != (self.num_ids,):
            raise ValueError(f"`scale` must hold one value per id, shape ({self.num_ids},). "
                             f"Received: shape={tuple(ops.shape(scale))}")
        self.scale.assign(ops.cast(scale, self.scale.dtype))

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        present = ops.cast(ids > 0, self.compute_dtype)
        weight = ops.take(self.scale, ids, axis=0) * present  # [B, N]
        rows = ops.take(self.kernel, ids, axis=0)  # [B, N, units]
        return ops.einsum("bn,bnu->bu", weight, rows) + self.bias

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "num_ids": self.num_ids, "units": self.units,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer)}
