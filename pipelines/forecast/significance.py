"""Is the model's edge over the naive forecast real? The Diebold–Mariano test.

For forecasts A (the model) and B (naive) of the same windows, in time order:
```
d_t = |e^A_t| - |e^B_t|                 (mean absolute error over the horizon steps)
DM  = mean(d) / sqrt(Var_HAC(mean(d)))  (Newey–West, h - 1 lags: h-step errors overlap)
```
DM ~ N(0, 1) under equal accuracy; DM < 0 means A is more accurate (Diebold &
Mariano 1995). The HAC variance is statsmodels' (OLS of d on a constant).
"""

from __future__ import annotations

import math

import numpy as np

SIGNIFICANCE = 0.05


def diebold_mariano(loss_a, loss_b, horizon: int) -> tuple[float, float]:
    """DM statistic and two-sided p-value of per-window losses in time order; NaN when
    there are too few windows or the losses are identical."""
    import statsmodels.api as sm

    d = np.asarray(loss_a, "float64") - np.asarray(loss_b, "float64")
    if len(d) < 3 or not np.all(np.isfinite(d)) or np.allclose(d, d[0]):
        return math.nan, math.nan
    fit = sm.OLS(d, np.ones_like(d)).fit(cov_type="HAC",
                                         cov_kwds={"maxlags": max(horizon - 1, 0)})
    return float(fit.tvalues[0]), float(fit.pvalues[0])


def model_vs_naive(actual, forecasts, windows, features) -> tuple[str, dict[str, float], str]:
    """A markdown table of the DM test per series and over all series (each origin's
    losses averaged across series), the aggregate's metrics, and a one-line verdict."""
    horizon = actual.shape[1]
    loss = {k: np.mean(np.abs(forecasts[k] - actual), axis=1) for k in ("model", "naive")}
    times = np.array([features.series[s].times[t] for s, t in windows.index])
    lines = ["| series | windows | model MAE − naive MAE | DM | p | significant (5 %) |",
             "|---|---:|---:|---:|---:|---|"]
    significant = []
    for sid, series in enumerate(features.series):
        rows = np.flatnonzero(windows.index[:, 0] == sid)
        rows = rows[np.argsort(times[rows], kind="stable")]
        if len(rows):
            stat, p = diebold_mariano(loss["model"][rows], loss["naive"][rows], horizon)
            significant.append(p < SIGNIFICANCE)
            lines.append(_row(series.name, rows, loss, stat, p))
    order = np.unique(times)
    slot = np.searchsorted(order, times)
    pooled = {k: np.bincount(slot, v) / np.bincount(slot) for k, v in loss.items()}
    stat, p = diebold_mariano(pooled["model"], pooled["naive"], horizon)
    if len(features.series) > 1:
        lines.append(_row("all (mean per origin)", np.arange(len(times)), loss, stat, p))
    edge = float(np.mean(loss["model"] - loss["naive"]))
    verdict = ("significantly more accurate than" if p < SIGNIFICANCE and stat < 0 else
               "significantly less accurate than" if p < SIGNIFICANCE else
               "not significantly different from")
    note = (f"Diebold–Mariano (absolute error, HAC with {horizon - 1} lags): the model is "
            f"{verdict} the naive forecast (DM {stat:.2f}, p = {p:.3g}"
            + (f"; significant on {sum(significant)} of {len(significant)} series" if
               len(significant) > 1 else "") + ").")
    return "\n".join(lines) + "\n", {"dm_vs_naive_stat": stat, "dm_vs_naive_p": p,
                                     "mae_edge_over_naive": edge}, note


def _row(name, rows, loss, stat, p) -> str:
    edge = float(np.mean(loss["model"][rows] - loss["naive"][rows]))
    flag = "yes" if p < SIGNIFICANCE else "no"
    return f"| {name} | {len(rows)} | {edge:.4g} | {stat:.3f} | {p:.3g} | {flag} |"
