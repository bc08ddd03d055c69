"""Losses and metrics for quantile forecasts `[B, H, Q]` against targets `[B, H]`."""

import keras
from keras import ops

from rnnkit.layers.quantiles import check_quantiles, median_index


@keras.saving.register_keras_serializable(package="rnnkit")
class PinballLoss(keras.losses.Loss):
    """Mean pinball (quantile) loss of quantile forecasts `[B, H, Q]` against `[B, H]`.

    ```
    e = y - q̂_τ
    L_τ(e) = max(τ e, (τ - 1) e)          averaged over batch, horizon and levels τ
    ```
    Minimised in expectation by the true τ-quantile (Koenker & Bassett 1978).
    """

    def __init__(self, quantiles, name="pinball", **kwargs):
        super().__init__(name=name, **kwargs)
        self.quantiles = check_quantiles(quantiles)

    def call(self, y_true, y_pred):
        levels = ops.convert_to_tensor(self.quantiles, dtype=y_pred.dtype)
        error = ops.expand_dims(ops.cast(y_true, y_pred.dtype), -1) - y_pred
        loss = ops.maximum(levels * error, (levels - 1.0) * error)
        return ops.mean(loss, axis=(-2, -1))

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}


@keras.saving.register_keras_serializable(package="rnnkit")
class MedianMAE(keras.metrics.MeanMetricWrapper):
    """MAE of the median (or the level nearest 0.5) of quantile forecasts `[B, H, Q]`."""

    def __init__(self, quantiles, name="mae", dtype=None):
        self.quantiles = check_quantiles(quantiles)
        middle = median_index(self.quantiles)

        def median_mae(y_true, y_pred):
            return ops.mean(ops.abs(ops.cast(y_true, y_pred.dtype) - y_pred[..., middle]), -1)

        super().__init__(median_mae, name=name, dtype=dtype)

    def get_config(self):
        return {"quantiles": list(self.quantiles), "name": self.name, "dtype": self.dtype}
