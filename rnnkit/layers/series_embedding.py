"""A learned embedding of which series a window comes from (global forecasting models)."""

import keras
from keras import ops

from rnnkit.layers.base import check_positive_int


@keras.saving.register_keras_serializable(package="rnnkit")
class SeriesEmbedding(keras.layers.Layer):
    """Appends a learned vector of the window's series to every step of the window.

    ```
    s' = s             if 0 ≤ s < S,  else S                   (S: an unseen series)
    s' = S             with probability `unknown_rate`, in training only
    x̃_t = [x_t ; E[s']]                                         E ∈ R^{(S+1) × d}
    ```

    One model over many series (as in DeepAR) learns from all of them and tells them
    apart by `E[s]`. Row `S` is the unseen-series embedding: trained on a random
    `unknown_rate` share of the windows of every series, so a series held out of
    training (or an id the model never saw) is forecast from a series-agnostic vector
    rather than from an untrained one.

    Args:
        num_series: Positive integer `S`, the series seen in training (ids 0 … S-1).
        dim: Positive integer `d`, the embedding width.
        unknown_rate: Float in [0, 1), share of training windows that see row `S`.

    Call arguments:
        inputs: `[window, ids]`: the window `[B, T, F]` and the series ids `[B]` or
            `[B, 1]` (integers).

    Returns: `[B, T, F + d]`.

    Example:

    ```python
    window, ids = keras.Input((30, 3)), keras.Input((), dtype="int32")
    x = SeriesEmbedding(12, 4)([window, ids])  # (None, 30, 7)
    ```
    """

    def __init__(self, num_series, dim, unknown_rate=0.1, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_series = check_positive_int("num_series", num_series)
        self.dim = check_positive_int("dim", dim)
        if not 0 <= unknown_rate < 1:
            raise ValueError(f"`unknown_rate` must be in [0, 1). Received: {unknown_rate!r}")
        self.unknown_rate = float(unknown_rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.num_series + 1, self.dim), initializer="uniform", name="embeddings")

    def call(self, inputs, training=None):
        window, ids = inputs
        ids = ops.reshape(ops.cast(ids, "int32"), (-1,))
        unseen = ops.logical_or(ids < 0, ids >= self.num_series)
        ids = ops.where(unseen, self.num_series, ids)
        if training and self.unknown_rate:
            drop = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
            ids = ops.where(drop < self.unknown_rate, self.num_series, ids)
        vectors = ops.cast(ops.take(self.embeddings, ids, axis=0), window.dtype)  # [B, d]
        steps = ops.ones_like(window[..., :1])  # [B, T, 1]
        return ops.concatenate([window, steps * vectors[:, None, :]], axis=-1)

    def compute_output_shape(self, input_shape):
        window = input_shape[0]
        return (*window[:-1], window[-1] + self.dim)

    def get_config(self):
        return {**super().get_config(), "num_series": self.num_series, "dim": self.dim,
                "unknown_rate": self.unknown_rate, "seed": self.seed}
