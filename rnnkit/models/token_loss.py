"""The masked token cross-entropy of a sequence model, and label smoothing's term computed
from the output layer's features.

Label smoothing ε (Szegedy et al. 2016) puts `(1 - ε)` on the true token and `ε / K` on
each of the `K` vocabulary tokens:

```
L = (1 - ε) · (-log p_y) + ε · (-(1/K) Σ_k log p_k)
  = (-log p_y) + ε · (z_y - mean_k z_k)                      (z: the logits)
```

With `z = h·W + b` (the output layer) the extra term is

```
z_y - mean_k z_k = h·(W[:, y] - mean_k W[:, k]) + b_y - mean_k b_k
```

which is `[B, T, units]` work instead of `[B, T, K]`. Over the logits the term made a
translate epoch 1.4× slower on 2 CPU cores (memory-bound passes over a `[128, T, 6000]`
tensor); over the features it costs 1.03× a step
(`experiments/translate_smoothing_cost.py`). `Seq2Seq.compile(label_smoothing=ε)` takes
the second route through `OutputFeatures`, the layer in front of its output layer.
"""

import threading

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="rnnkit")
def masked_sparse_crossentropy(y_true, logits, label_smoothing=0.0):
    """Mean cross-entropy (nats) over the non-padding (id ≠ 0) target tokens of the batch,
    label-smoothed with ε when given, computed as `-log p_y + ε · (z_y - mean(z))`: the
    backend's fused sparse cross-entropy plus one mean over the vocabulary."""
    y_true = ops.cast(y_true, "int32")
    losses = keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
    loss = masked_mean(losses, y_true)
    return loss + label_smoothing * logits_term(y_true, logits) if label_smoothing else loss


def logits_term(y_true, logits):
    """The masked mean of `z_y - mean_k z_k` over the logits `[B, T, K]`."""
    y_true = ops.cast(y_true, "int32")
    true_logit = ops.squeeze(
        ops.take_along_axis(logits, ops.expand_dims(y_true, -1), axis=-1), -1)
    return masked_mean(true_logit - ops.mean(logits, axis=-1), y_true)


def masked_mean(values, y_true):
    """The mean of `values` `[B, T]` over the tokens whose target id is not 0."""
    mask = ops.cast(ops.not_equal(y_true, 0), values.dtype)
    return ops.sum(values * mask) / ops.maximum(ops.sum(mask), 1.0)


@keras.saving.register_keras_serializable(package="rnnkit")
class MaskedSparseCrossentropy(keras.losses.Loss):
    """`masked_sparse_crossentropy` as a Loss with its `label_smoothing` ε in [0, 1)."""

    def __init__(self, label_smoothing=0.0, name="masked_sparse_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = check_label_smoothing(label_smoothing)

    def call(self, y_true, y_pred):
        return masked_sparse_crossentropy(y_true, y_pred, self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def check_label_smoothing(epsilon) -> float:
    if not 0.0 <= float(epsilon) < 1.0:
        raise ValueError("`label_smoothing` must be in [0, 1). "
                         f"Received: label_smoothing={epsilon!r}")
    return float(epsilon)


def smoothing_term(features, dense, y_true):
    """The masked mean of `z_y - mean_k z_k` from the output layer `dense`'s input
    `features` `[B, T, units]` and its kernel and bias (see the module docstring)."""
    y_true = ops.cast(y_true, "int32")
    features = ops.cast(features, "float32")
    kernel = ops.cast(dense.kernel, "float32")
    direction = ops.take(ops.transpose(kernel), y_true, axis=0) - ops.mean(kernel, axis=1)
    term = ops.sum(features * direction, axis=-1)
    if dense.bias is not None:
        bias = ops.cast(dense.bias, "float32")
        term = term + ops.take(bias, y_true, axis=0) - ops.mean(bias)
    return masked_mean(term, y_true)


@keras.saving.register_keras_serializable(package="rnnkit")
class OutputFeatures(keras.layers.Layer):
    """The identity on the output layer's input; while `keep` is set it remembers the last
    tensor it passed (one per thread: `tf.distribute` replicas trace in threads), so a
    model's `compute_loss` can take label smoothing's term from the features in the same
    step (`take()` hands it over once)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.keep = False
        self._last = threading.local()

    def call(self, features):
        if self.keep:
            self._last.value = features
        return features

    def take(self):
        """The features of this thread's last call (`None` if there was none since)."""
        value = getattr(self._last, "value", None)
        self._last.value = None
        return value

    def compute_output_shape(self, input_shape):
        return input_shape
