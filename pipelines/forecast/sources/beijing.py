"""Hourly weather at Beijing stations, 2013–2017 (data home ``beijing_multisite_air_quality/``).

One series per target station; other stations' readings can be joined as covariates,
their columns prefixed ``"<station>:"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core.datahome import require_file
from pipelines.core.errors import ConfigError
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.common import (
    build_raw,
    reject_options,
    resolve_columns,
    select_series,
    split_frames,
)
from pipelines.forecast.sources.table import (
    ForecastDataError,
    check_order,
    line_of,
    read_csv,
    to_float,
)

RELATIVE_PATH = "beijing_multisite_air_quality/beijing_multisite_air_quality_2013_2017.csv.gz"
DESCRIPTION = (
    "UCI 'Beijing Multi-Site Air-Quality Data' (Zhang et al. 2017, CC BY 4.0): the "
    "PRSA_Data_<Station>_20130301-20170228.csv files joined under one header, gzipped"
)
CLOCK = ["year", "month", "day", "hour"]
STATION = "station"
WIND = "wd"
COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
           "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
DEGREES = {name: 22.5 * i for i, name in enumerate(COMPASS)}


def wind_degrees(text: pd.Series, label: str) -> pd.Series:
    """16-point compass names (``"NNE"``) to degrees clockwise from north; NA stays NaN."""
    text = text.astype("category")
    unknown = [c for c in text.cat.categories if c not in DEGREES]
    if unknown:
        bad = text.isin(unknown).to_numpy()
        row = text.index[np.argmax(bad)]
        raise ForecastDataError(
            f"{label}, line {line_of(row)}, column '{WIND}': expected a 16-point compass "
            f"direction ({', '.join(COMPASS)}), found {text[row]!r}."
        )
    return text.map(DEGREES).astype("float64")


def clock_times(table: pd.DataFrame, label: str) -> pd.Series:
    parts = to_float(table, CLOCK, label)
    times = pd.to_datetime(parts.rename(columns=str), errors="coerce")
    bad = times.isna().to_numpy()
    if bad.any():
        row = table.index[np.argmax(bad)]
        value = "-".join(str(table.at[row, c]) for c in CLOCK)
        raise ForecastDataError(
            f"{label}, line {line_of(row)}, columns '{'/'.join(CLOCK)}': not a valid date "
            f"and hour: {value!r} (year-month-day-hour)."
        )
    return times.astype("datetime64[ns]")


def beijing(cfg: ForecastConfig) -> ForecastRaw:
    reject_options(cfg, series=True, covariates=True)
    path = require_file(RELATIVE_PATH, DESCRIPTION)
    label = str(path)
    target, features = resolve_columns(cfg, "TEMP", ["PRES", "DEWP", "RAIN", "WSPM", WIND])
    columns = [target, *features]
    table = read_csv(path, list(dict.fromkeys([*CLOCK, STATION, *columns])), label=label,
                     dtype={STATION: "category", WIND: "category"})
    available = sorted(map(str, table[STATION].dropna().unique()))
    targets = select_series(available, cfg.data.series, available[:1], label, "station",
                            STATION)
    covariates = covariate_stations(cfg.data.covariate_series, targets, available, label)
    table = table[table[STATION].isin([*targets, *covariates]).to_numpy()]
    groups = table[STATION].astype(str)
    times = clock_times(table, label)
    numeric = [c for c in columns if c != WIND]
    values = to_float(table, numeric, label)
    if WIND in columns:
        values[WIND] = wind_degrees(table[WIND], label)
    check_order(times, label, "/".join(CLOCK), groups, "station")
    frames = split_frames(values, times, columns, groups, [*targets, *covariates])
    joined = [frames[s].add_prefix(f"{s}:") for s in covariates]
    extra = [c for f in joined for c in f.columns]
    series = {s: frames[s].join(joined, how="left") if joined else frames[s] for s in targets}
    angles = [WIND] + [f"{s}:{WIND}" for s in covariates]
    return build_raw("beijing", series, target, [*features, *extra], path=path,
                     angle_columns=angles, frequency="1h", season=24)


def covariate_stations(wanted: list[str], targets: list[str], available: list[str],
                       label: str) -> list[str]:
    """``["all"]``: every station that is not a target; else the stations named."""
    if [w.lower() for w in wanted] == ["all"]:
        return [s for s in available if s not in targets]
    chosen = select_series(available, wanted, [], label, "station", STATION)
    clash = [s for s in chosen if s in targets]
    if clash:
        raise ConfigError(
            f"data.covariate_series names {clash!r}, which data.series already forecasts: "
            f"a station is either a target or a covariate."
        )
    return chosen
