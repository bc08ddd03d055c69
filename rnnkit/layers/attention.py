"""Bahdanau (additive) attention with learned query and key projections."""

import keras
from keras import initializers, ops

from rnnkit.layers.base import check_positive_int


def _masked_fill_value(dtype):
    # Large enough to vanish in the softmax, small enough not to overflow float16.
    return -6.0e4 if str(dtype) == "float16" else -1.0e9


@keras.saving.register_keras_serializable(package="rnnkit")
class BahdanauAttention(keras.layers.Layer):
    """Additive attention of Bahdanau, Cho & Bengio.

    ```
    score(q, k_j) = vᵀ tanh(W_q q + W_k k_j + b)
    a_j           = softmax_j(score(q, k_j))        (masked keys get a_j = 0)
    context       = Σ_j a_j v_j
    ```
    `q` is the decoder's query (its previous state), `k_j` the encoder's
    output at source position `j`; values default to the keys.

    Keras's `AdditiveAttention` has no learned `W_q`, `W_k` (it adds query
    and key as they are), so it is not Bahdanau's model; this layer is.

    Args:
        units: Positive integer, size of the attention MLP's hidden layer.
        use_bias: Whether the score has the bias `b`. Default: `True`.
        kernel_initializer: For `W_q`, `W_k` and `v`. Default `"glorot_uniform"`.
        bias_initializer: For `b`. Default `"zeros"`.

    Call arguments:
        query: `[B, Dq]` (one query) or `[B, Tq, Dq]` (a sequence of queries).
        keys: `[B, Tk, Dk]`.
        values: Optional `[B, Tk, Dv]`; default `keys`.
        keys_mask: Optional boolean `[B, Tk]`; `False` marks padding.

    Returns:
        `(context, weights)`: `[B, Dv]` and `[B, Tk]` for one query,
        `[B, Tq, Dv]` and `[B, Tq, Tk]` for a sequence.

    Example:

    ```python
    attention = BahdanauAttention(16)
    context, weights = attention(np.zeros((2, 8)), np.zeros((2, 5, 6)))
    # context shape (2, 6), weights shape (2, 5)
    ```

    Reference:
        Bahdanau, Cho & Bengio, "Neural machine translation by jointly
        learning to align and translate", ICLR 2015, appendix A.1.2.
    """

    def __init__(
        self,
        units,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, query_shape, keys_shape, values_shape=None):
        self.query_kernel = self.add_weight(
            shape=(query_shape[-1], self.units), name="query_kernel",
            initializer=self.kernel_initializer,
        )
        self.key_kernel = self.add_weight(
            shape=(keys_shape[-1], self.units), name="key_kernel",
            initializer=self.kernel_initializer,
        )
        self.score_vector = self.add_weight(
            shape=(self.units,), name="score_vector", initializer=self.kernel_initializer
        )
        self.bias = (
            self.add_weight(shape=(self.units,), name="bias", initializer=self.bias_initializer)
            if self.use_bias
            else None
        )

    def project_keys(self, keys):
        """`W_k k_j (+ b)` for every j: compute once per source sentence."""
        projected = ops.matmul(keys, self.key_kernel)
        return projected if self.bias is None else ops.add(projected, self.bias)

    def call(self, query, keys, values=None, keys_mask=None, projected_keys=None):
        values = keys if values is None else values
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        single = len(query.shape) == 2
        queries = ops.expand_dims(query, 1) if single else query  # [B, Tq, Dq]
        projected_queries = ops.matmul(queries, self.query_kernel)  # [B, Tq, U]
        hidden = ops.tanh(
            ops.expand_dims(projected_queries, 2) + ops.expand_dims(projected_keys, 1)
        )  # [B, Tq, Tk, U]
        scores = ops.tensordot(hidden, self.score_vector, axes=[[3], [0]])  # [B, Tq, Tk]
        if keys_mask is not None:
            keep = ops.expand_dims(ops.cast(keys_mask, "bool"), 1)
            scores = ops.where(keep, scores, _masked_fill_value(scores.dtype))
        weights = ops.softmax(scores, axis=-1)
        context = ops.matmul(weights, values)  # [B, Tq, Dv]
        if single:
            return ops.squeeze(context, 1), ops.squeeze(weights, 1)
        return context, weights

    def compute_output_shape(self, query_shape, keys_shape, values_shape=None):
        values_shape = keys_shape if values_shape is None else values_shape
        if len(query_shape) == 2:
            return (query_shape[0], values_shape[-1]), (query_shape[0], keys_shape[1])
        return (
            (query_shape[0], query_shape[1], values_shape[-1]),
            (query_shape[0], query_shape[1], keys_shape[1]),
        )

    def get_config(self):
        config = {
            "units": self.units,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        return {**super().get_config(), **config}
