"""``csv:PATH``: a user's CSV (plain or .gz), one series or one per ``series_column`` value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.common import (
    build_raw,
    load_series_csv,
    reject_options,
    resolve_columns,
)

SEASONS = {pd.Timedelta("1h"): 24, pd.Timedelta("1D"): 7}


def infer_frequency(frames: dict[str, pd.DataFrame]) -> str | None:
    """The pandas alias every series agrees on, or ``None`` when any is irregular."""
    found = set()
    for frame in frames.values():
        if len(frame) < 3:
            return None
        found.add(pd.infer_freq(frame.index))
    return found.pop() if len(found) == 1 else None


def season_of(frequency: str | None) -> int | None:
    if frequency is None:
        return None
    try:
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(frequency))
    except (TypeError, ValueError):  # months, business days: not a fixed step
        return None
    return SEASONS.get(step)


def user_csv(cfg: ForecastConfig) -> ForecastRaw:
    data = cfg.data
    path = Path(data.source.removeprefix("csv:")).expanduser()
    if not str(path) or str(path) == ".":
        raise ConfigError("data.source=csv:PATH needs a path, e.g. csv:data/my_series.csv.")
    if not path.is_file():
        raise DataMissingError(f"CSV file not found: {path.resolve()} (from data.source).")
    if not data.time_column:
        raise ConfigError(
            f"data.source={data.source!r} needs data.time_column: the column of timestamps."
        )
    if data.series and not data.series_column:
        raise ConfigError(
            f"data.series={data.series!r} picks values of data.series_column: set "
            f"data.series_column to the column that names each series."
        )
    reject_options(cfg, series=True)
    target, features = resolve_columns(cfg, None, [])
    frames = load_series_csv(path, str(path), data.time_column, [target, *features],
                             series_column=data.series_column, series=data.series,
                             single_name=path.name.split(".")[0] or "series")
    frequency = infer_frequency(frames)
    return build_raw(data.source, frames, target, features, path=path.resolve(),
                     frequency=frequency, season=season_of(frequency))
