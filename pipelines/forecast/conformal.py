"""Split-conformal prediction intervals around any point forecaster, per horizon step.

With `σ_s` the series' in-sample one-step naive MAE (so one calibration serves every
series of a global model):
```
score    s_{i,h} = |y_{i,h} - ŷ_{i,h}| / σ_{s(i)}                 h = 1 … H
quantile q̂_h(α) = the ⌈(n + 1) α⌉-th smallest of the n calibration scores s_{·,h}
interval ŷ_h ± q̂_h(α) σ_s
```
If calibration and test windows are exchangeable, the interval covers the truth with
probability at least α (Vovk, Gammerman & Shafer 2005; Lei et al. 2018). A series drifts,
so the calibration rolls, as Darts' conformal models do: a forecast made at time t is
calibrated on the `n` most recent forecasts whose whole horizon is observed by t (the
validation windows first, then test windows as their outcomes arrive; nothing is refitted).
The test coverage this gives is measured and reported, not assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from pipelines.core.state import JsonState

REFRESHES = 200  # most recalibrations over a test period (each is a sort of n scores)


def level_name(level: float) -> str:
    """``0.8`` -> ``"80"``, ``0.975`` -> ``"97.5"`` (metric names: ``coverage_80``)."""
    return f"{level * 100:.4g}"


def scores(actual, forecast, scale) -> np.ndarray:
    """Nonconformity scores `|y - ŷ| / σ`, `[windows, horizon]`."""
    return np.abs(np.asarray(actual) - np.asarray(forecast)) / np.asarray(scale)[:, None]


def score_quantiles(calibration_scores, levels) -> np.ndarray:
    """`[levels, horizon]` q̂_h(α) of calibration scores `[n, horizon]`.

    A level that needs more windows than there are (⌈(n + 1) α⌉ > n) gets an infinite
    half-width: an honest "cannot say" rather than a too-narrow band.
    """
    ordered = np.sort(np.asarray(calibration_scores), axis=0)
    n = len(ordered)
    out = np.full((len(levels), ordered.shape[1]), np.inf)
    for i, level in enumerate(levels):
        rank = math.ceil((n + 1) * level)
        if n and rank <= n:
            out[i] = ordered[rank - 1]
    return out


def rolling_quantiles(pool_scores, known_at, origins, levels, window) -> np.ndarray:
    """`[levels, windows, horizon]`: for each forecast origin, `score_quantiles` of the
    `window` most recent pool scores whose outcome was known at that origin.

    Args:
        pool_scores: `[n, horizon]` scores of past forecasts (validation, then test).
        known_at: `[n]` when each one's last target was observed.
        origins: `[windows]` when each forecast to be calibrated is made.
        levels: nominal coverages α.
        window: calibration size `n` (at most; fewer early on).

    Recalibrates at most `REFRESHES` times over the origins (in time order), so a
    window of thousands costs a few hundred sorts, not one per origin.
    """
    order = np.argsort(known_at, kind="stable")
    pool, known = np.asarray(pool_scores)[order], np.asarray(known_at)[order]
    ends = np.searchsorted(known, origins, side="right")  # pool[:end] known at each origin
    out = np.empty((len(levels), len(origins), pool.shape[1]))
    steps = np.unique(np.quantile(ends, np.linspace(0, 1, REFRESHES + 1),
                                  method="lower").astype(int)) if len(ends) else []
    bucket = np.searchsorted(steps, ends, side="right") - 1
    for b, end in enumerate(steps):
        rows = bucket == b
        if rows.any():
            out[:, rows] = score_quantiles(pool[max(0, end - window):end], levels)[:, None]
    return out


def bands(forecast, scale, half_widths) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds `[levels, windows, horizon]` around `forecast`;
    `half_widths` is `[levels, horizon]` (one calibration) or `[levels, windows,
    horizon]` (one per window)."""
    half = np.asarray(half_widths)
    if half.ndim == 2:
        half = half[:, None, :]
    width = half * np.asarray(scale)[None, :, None]
    return forecast[None] - width, forecast[None] + width


def interval_metrics(actual, forecast, scale, half_widths, levels) -> dict[str, float]:
    """``coverage_<level>`` (share of test values inside) and ``width_<level>`` (mean
    width, original units) of each level's interval; NaN for a non-finite forecast."""
    lower, upper = bands(np.asarray(forecast, "float64"), scale, half_widths)
    finite = bool(np.all(np.isfinite(forecast)))
    out = {}
    for i, level in enumerate(levels):
        inside = (actual >= lower[i]) & (actual <= upper[i])
        out[f"coverage_{level_name(level)}"] = float(inside.mean()) if finite else math.nan
        out[f"width_{level_name(level)}"] = (float(np.mean(upper[i] - lower[i])) if finite
                                             else math.nan)
    return out


def coverage_by_step(actual, forecast, scale, half_widths) -> np.ndarray:
    """`[levels, horizon]`: the test coverage of each level at each horizon step."""
    lower, upper = bands(np.asarray(forecast, "float64"), scale, half_widths)
    return ((actual[None] >= lower) & (actual[None] <= upper)).mean(axis=1)


@dataclass
class Calibration(JsonState):
    """What serving needs to put the run's intervals around a new forecast: the levels,
    their per-step score quantiles (`[levels][horizon]`, in units of σ, from the most
    recent forecasts the run saw the outcome of) and σ per series.
    """

    FORMAT: ClassVar[str] = "rnnkit-forecast-calibration/1"

    levels: list[float] = field(default_factory=list)
    half_widths: list[list[float]] = field(default_factory=list)
    scale: dict[str, float] = field(default_factory=dict)

    def intervals(self, forecast, series: str) -> dict[str, dict[str, list[float]]]:
        """``{"80": {"lower": [...], "upper": [...]}, ...}`` around one forecast `[H]`."""
        if not self.levels:
            return {}
        values = np.asarray(forecast, "float64")[None]
        lower, upper = bands(values, [self.scale[series]], self.half_widths)
        return {level_name(level): {"lower": lower[i, 0].tolist(), "upper": upper[i, 0].tolist()}
                for i, level in enumerate(self.levels)}

    def to_dict(self) -> dict:
        return {"levels": self.levels, "half_widths": self.half_widths, "scale": self.scale}

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        return cls(**data)
