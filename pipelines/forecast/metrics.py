"""Point-forecast metrics in original units, on `[windows, horizon]` arrays.

Every metric of a forecast holding a NaN or an infinity is NaN: a broken model must
never score well (sMAPE, for one, would otherwise read 0 where both terms are NaN).
"""

from __future__ import annotations

import functools

import numpy as np


def _nan_unless_finite(metric):
    """NaN when the forecast (the metric's ``forecast`` argument) is not all finite."""

    @functools.wraps(metric)
    def checked(*args, **kwargs):
        names = metric.__code__.co_varnames[: metric.__code__.co_argcount]
        forecast = kwargs.get("forecast", args[names.index("forecast")]
                              if len(args) > names.index("forecast") else None)
        if not np.all(np.isfinite(np.asarray(forecast, dtype="float64"))):
            return float("nan")
        return metric(*args, **kwargs)

    return checked


@_nan_unless_finite
def mae(actual, forecast):
    return float(np.mean(np.abs(forecast - actual)))


@_nan_unless_finite
def rmse(actual, forecast):
    return float(np.sqrt(np.mean((forecast - actual) ** 2)))


@_nan_unless_finite
def smape(actual, forecast):
    """Symmetric MAPE in percent: 200·|F - A| / (|F| + |A|), 0 where both are 0."""
    denominator = np.abs(forecast) + np.abs(actual)
    ratio = np.divide(2 * np.abs(forecast - actual), denominator,
                      out=np.zeros_like(denominator, dtype="float64"), where=denominator > 0)
    return float(100 * np.mean(ratio))


@_nan_unless_finite
def mase(actual, forecast, scale):
    """MAE over the in-sample one-step naive MAE (`scale`, one per window).

    An h-step-ahead forecast is scaled by a one-step error, so a last-value
    forecast over a horizon > 1 can score above 1.
    """
    return float(np.mean(np.abs(forecast - actual) / np.asarray(scale)[:, None]))


@_nan_unless_finite
def directional_accuracy(last, actual, forecast):
    """Share of windows whose forecast moves the same way as the series at step 1."""
    moved = np.sign(actual[:, 0] - last) != 0
    agree = np.sign(forecast[:, 0] - last) == np.sign(actual[:, 0] - last)
    return float(np.mean(agree[moved])) if moved.any() else float("nan")


def point_metrics(actual, forecast, scale):
    """MAE, RMSE, sMAPE, MASE over all horizon steps, and MAE of the last step alone."""
    return {
        "mae": mae(actual, forecast),
        "rmse": rmse(actual, forecast),
        "smape": smape(actual, forecast),
        "mase": mase(actual, forecast, scale),
        "mae_last_step": mae(actual[:, -1], forecast[:, -1]),
    }


def quantile_metrics(actual, quantile_forecast, levels) -> dict[str, float]:
    """Metrics of quantile forecasts `[windows, horizon, levels]` in original units.

    ``pinball_<τ>``: mean pinball loss `max(τ e, (τ - 1) e)`, `e = y - q̂_τ`, per level;
    ``quantile_coverage_<c>`` and ``quantile_width_<c>``: share of values inside, and
    mean width, of each central interval `[q̂_τ, q̂_{1-τ}]` whose two ends were
    forecast (`c = 100 (1 - 2τ)`: levels 0.1 and 0.9 give the 80 % interval).
    """
    q = np.asarray(quantile_forecast, dtype="float64")
    if not np.all(np.isfinite(q)):
        return {f"pinball_{t:g}": float("nan") for t in levels}
    out = {}
    for i, tau in enumerate(levels):
        error = actual - q[..., i]
        out[f"pinball_{tau:g}"] = float(np.mean(np.maximum(tau * error, (tau - 1) * error)))
    for i, tau in enumerate(levels):
        upper = next((j for j, t in enumerate(levels) if abs(t - (1 - tau)) < 1e-9), None)
        if tau < 0.5 and upper is not None:
            name = f"{100 * (1 - 2 * tau):.4g}"
            inside = (actual >= q[..., i]) & (actual <= q[..., upper])
            out[f"quantile_coverage_{name}"] = float(inside.mean())
            out[f"quantile_width_{name}"] = float(np.mean(q[..., upper] - q[..., i]))
    return out
