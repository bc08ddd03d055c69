"""Masked pooling over time: attention (a learned weighted average) and max."""

import keras
from keras import initializers, ops

from rnnkit.layers.attention import _masked_fill_value
from rnnkit.layers.base import check_positive_int


@keras.saving.register_keras_serializable(package="rnnkit")
class AttentionPooling(keras.layers.Layer):
    """Summarise a sequence `[B, T, D] -> [B, D]` by additive self-attention.

    ```
    e_t = vᵀ tanh(W h_t + b)
    a_t = softmax_t(e_t)        (masked steps get a_t = 0)
    c   = Σ_t a_t h_t
    ```
    Unlike the last state, every step can contribute, which suits sequences whose
    informative part sits anywhere (a word in a review, a syllable in a clip).

    Args:
        units: Positive integer, size of the scoring MLP's hidden layer.
        kernel_initializer: For `W` and `v`. Default `"glorot_uniform"`.

    Call arguments:
        inputs: `[B, T, D]`.
        mask: Optional boolean `[B, T]` (taken from the previous layer).

    Example:

    ```python
    h = keras.layers.GRU(32, return_sequences=True)(keras.Input((None, 8)))
    c = AttentionPooling(16)(h)  # output shape (None, 32)
    ```

    Reference:
        Yang et al., "Hierarchical attention networks for document
        classification", NAACL 2016, section 2.2.
    """

    def __init__(self, units, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer=self.kernel_initializer)
        self.bias = self.add_weight(shape=(self.units,), name="bias", initializer="zeros")
        self.score_vector = self.add_weight(shape=(self.units,), name="score_vector",
                                            initializer=self.kernel_initializer)

    def attention_weights(self, inputs, mask=None):
        """`a_t`, shape `[B, T]`."""
        scores = ops.tensordot(ops.tanh(ops.add(ops.matmul(inputs, self.kernel), self.bias)),
                               self.score_vector, axes=[[2], [0]])
        if mask is not None:
            scores = ops.where(ops.cast(mask, "bool"), scores, _masked_fill_value(scores.dtype))
        return ops.softmax(scores, axis=-1)

    def call(self, inputs, mask=None):
        weights = self.attention_weights(inputs, mask)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        config = {"units": self.units,
                  "kernel_initializer": initializers.serialize(self.kernel_initializer)}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnkit")
class MaskedMaxPooling(keras.layers.Layer):
    """Summarise a sequence `[B, T, D] -> [B, D]` by its largest value per feature,
    over the steps the mask keeps.

    ```
    c_d = max_{t : m_t = 1} h_{t,d}        (c_d = 0 when every step is masked)
    ```
    `keras.layers.GlobalMaxPooling1D` ignores the mask, so padding (whose outputs an
    RNN carries over from the last real step, or sets to zero) could win the max; here
    it never does. Max pooling keeps the strongest evidence wherever it sits in the
    sequence (one decisive phrase in a long review), where a mean dilutes it.

    Call arguments:
        inputs: `[B, T, D]`.
        mask: Optional boolean `[B, T]` (taken from the previous layer).

    Example:

    ```python
    h = keras.layers.GRU(32, return_sequences=True)(keras.Input((None, 8)))
    c = MaskedMaxPooling()(h)  # output shape (None, 32)
    ```

    Reference:
        Collobert et al., "Natural language processing (almost) from scratch",
        JMLR 2011, section 3.3.2 (max over time).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        lowest = ops.full_like(inputs, _masked_fill_value(inputs.dtype))
        best = ops.max(ops.where(keep, inputs, lowest), axis=1)
        return ops.where(ops.any(keep, axis=1), best, ops.zeros_like(best))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])
