"""Tiny in-memory forecast inputs for stage tests."""

import numpy as np
import pandas as pd

from pipelines.core.config import build_config
from pipelines.core.types import Provenance
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw


def daily_raw(n=200, seed=0, series=("a",), price=False, gaps=()):
    rng = np.random.default_rng(seed)
    frames = {}
    for k, name in enumerate(series):
        index = pd.date_range("2020-01-01", periods=n, freq="D", name="time")
        t = np.arange(n)
        target = 10 + 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 0.3, n) + k
        if price:
            target = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        frame = pd.DataFrame({"y": target, "x": rng.normal(size=n),
                              "wd": rng.uniform(0, 360, n)}, index=index)
        for start, length in gaps:
            frame.iloc[start : start + length, 0] = np.nan
        frames[name] = frame
    return ForecastRaw(frames, "y", ["x", "wd"], Provenance("toy", rows=n * len(series)),
                       angle_columns=["wd"], frequency="1D", season=7, is_price=price)


def config(**sections):
    base = {"featurize": {"lookback": 14, "horizon": 3, "fill_limit": 6},
            "model": {"units": 8}, "train": {"epochs": 2, "batch_size": 16},
            "evaluate": {"statistical_max_windows": 3, "backtest_windows": 2}}
    for key, values in sections.items():
        base.setdefault(key, {}).update(values)
    return build_config(ForecastConfig, base)
