"""Quantile forecasts: a head whose quantiles never cross (the loss: `rnnkit.losses`)."""

import keras
from keras import ops

from rnnkit.layers.base import check_positive_int


def check_quantiles(quantiles):
    """A strictly increasing tuple of levels in (0, 1), or a `ValueError`."""
    values = tuple(float(q) for q in quantiles)
    if not values or any(not 0 < q < 1 for q in values) or any(
        b <= a for a, b in zip(values, values[1:], strict=False)
    ):
        raise ValueError(
            "`quantiles` must be a non-empty, strictly increasing list of levels in "
            f"(0, 1). Received: quantiles={list(quantiles)!r}"
        )
    return values


def model_quantiles(model):
    """The levels of a model ending in `MonotoneQuantiles`; `()` for any other model."""
    layers = getattr(model, "layers", None)
    return tuple(getattr(layers[-1], "quantiles", ()) or ()) if layers else ()


def median_index(quantiles):
    """Index of the level nearest 0.5: the point forecast of a quantile forecaster."""
    return min(range(len(quantiles)), key=lambda i: (abs(quantiles[i] - 0.5), i))


@keras.saving.register_keras_serializable(package="rnnkit")
class MonotoneQuantiles(keras.layers.Layer):
    """Raw head outputs `[B, H·Q]` -> quantiles `[B, H, Q]` that never cross.

    ```
    z = reshape(x, [B, H, Q])
    q_1 = z_1
    q_k = q_1 + Σ_{j=2..k} softplus(z_j)        k = 2 … Q     (so q_1 < q_2 < … < q_Q)
    ```

    Args:
        horizon: Positive integer, steps forecast, `H`.
        quantiles: Strictly increasing levels in (0, 1), e.g. `(0.1, 0.5, 0.9)`; only
            their count `Q` shapes the output, the levels are kept for the loss and for
            readers of a saved model (`model.layers[-1].quantiles`).

    Example:

    ```python
    h = keras.layers.GRU(16)(keras.Input((30, 3)))
    raw = keras.layers.Dense(24 * 3)(h)
    q = MonotoneQuantiles(24, (0.1, 0.5, 0.9))(raw)  # (None, 24, 3)
    ```
    """

    def __init__(self, horizon, quantiles, **kwargs):
        super().__init__(**kwargs)
        self.horizon = check_positive_int("horizon", horizon)
        self.quantiles = check_quantiles(quantiles)

    def call(self, inputs):
        z = ops.reshape(inputs, (-1, self.horizon, len(self.quantiles)))
        if len(self.quantiles) == 1:
            return z
        base = z[..., :1]
        steps = ops.cumsum(ops.softplus(z[..., 1:]), axis=-1)
        return ops.concatenate([base, base + steps], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon, len(self.quantiles))

    def get_config(self):
        return {**super().get_config(), "horizon": self.horizon,
                "quantiles": list(self.quantiles)}
