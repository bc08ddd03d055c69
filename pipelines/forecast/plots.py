"""Figures of a forecast run: forecast vs actual, training curves."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def forecast_vs_actual(features, actual, forecasts, limit, horizon):
    """The h-step-ahead forecast of the first series' test windows against the truth."""
    windows = features.windows["test"]
    rows = np.flatnonzero(windows.index[:, 0] == 0)[:limit]
    series = features.series[0]
    times = series.times[windows.index[rows, 1] + horizon]
    fig, ax = plt.subplots(figsize=(11, 4))
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
