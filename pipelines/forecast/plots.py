"""Figures of a forecast run: forecast vs actual (with the model's intervals), interval
coverage by horizon step."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def forecast_vs_actual(features, actual, forecasts, limit, horizon, levels=(),
                      half_widths=None):
    """The h-step-ahead forecast of the first series' test windows against the truth,
    the model's conformal intervals shaded (widest lightest); `half_widths` is
    `[levels, windows, horizon]` in units of the series' scale."""
    windows = features.windows["test"]
    rows = np.flatnonzero(windows.index[:, 0] == 0)[:limit]
    series = features.series[0]
    times = series.times[windows.index[rows, 1] + horizon]
    fig, ax = plt.subplots(figsize=(11, 4))
    if levels and half_widths is not None:
        half = np.asarray(half_widths)[:, rows, -1] * features.naive_scale(0)
        point = forecasts["model"][rows, -1]
        shades = zip(levels, half, (0.35, 0.2, 0.12, 0.08), strict=False)
        for level, width, alpha in sorted(shades, key=lambda t: t[0], reverse=True):
            ax.fill_between(times, point - width, point + width, color="tab:blue",
                            alpha=alpha, lw=0, label=f"model {level:.0%} interval")
    ax.plot(times, actual[rows, -1], color="black", lw=1.5, label="actual")
    for name, values in forecasts.items():
        if name in ("model", "naive"):
            ax.plot(times, values[rows, -1], lw=1, label=name)
    ax.set_title(f"{series.name}: {horizon}-step-ahead forecast on the test period")
    ax.set_ylabel(features.preprocessor.target)
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def interval_coverage(levels, by_step):
    """Test coverage of each conformal level at each horizon step against its nominal."""
    by_step = np.asarray(by_step)
    steps = np.arange(1, by_step.shape[1] + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    for level, coverage in zip(levels, by_step, strict=False):
        line, = ax.plot(steps, coverage, marker="o", ms=3, label=f"{level:.0%} interval")
        ax.axhline(level, color=line.get_color(), ls="--", lw=0.8)
    ax.set_xlabel("horizon step")
    ax.set_ylabel("test coverage")
    ax.set_ylim(max(0.0, min(levels) - 0.25), 1.0)
    ax.set_title("Conformal intervals: test coverage by step (dashed: nominal)")
    ax.legend()
    fig.tight_layout()
    return fig
