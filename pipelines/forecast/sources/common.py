"""Pieces every source shares: choosing columns and series, and assembling ``ForecastRaw``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.core import mapped
from pipelines.core.errors import ConfigError
from pipelines.core.types import Provenance
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.table import (
    ForecastDataError,
    check_order,
    file_sha256,
    line_of,
    parse_times,
    read_csv,
    suggest,
    to_float,
)


def resolve_columns(cfg: ForecastConfig, target: str | None,
                    features: list[str] | None) -> tuple[str, list[str]]:
    """The target and features: the config's, else the source's defaults."""
    target = cfg.data.target or target
    if not target:
        raise ConfigError(
            f"data.target is required for data.source={cfg.data.source!r}: name the "
            f"column to forecast, e.g. data.target=temperature."
        )
    chosen = cfg.data.features if cfg.data.features is not None else (features or [])
    return target, list(dict.fromkeys(f for f in chosen if f != target))


def reject_options(cfg: ForecastConfig, series: bool = False, covariates: bool = False) -> None:
    """Raise for ``data.series`` / ``data.covariate_series`` on a source without them."""
    given = {"data.series": (cfg.data.series, series),
             "data.covariate_series": (cfg.data.covariate_series, covariates)}
    for key, (value, supported) in given.items():
        if value and not supported:
            raise ConfigError(
                f"{key}={value!r} does not apply to data.source={cfg.data.source!r}; "
                f"leave it unset."
            )


def select_series(available: list[str], wanted: list[str] | None, default: list[str],
                  label: str, what: str, column: str) -> list[str]:
    """The series to load (``["all"]``: every one there is); an unknown name raises
    listing a few valid ones."""
    if [str(w).lower() for w in wanted or ()] == ["all"]:
        return sorted(available)
    names = [str(w) for w in (wanted or default)]
    known = set(available)
    for name in names:
        if name not in known:
            few = sorted(available)
            shown = ", ".join(few[:12]) + (f", … ({len(few)} in all)" if len(few) > 12 else "")
            raise ForecastDataError(
                f"{label}: no {what} {name!r} in column '{column}'{suggest(name, available)}. "
                f"Valid {what}s: {shown}."
            )
    return list(dict.fromkeys(names))


def split_frames(values: pd.DataFrame, times: pd.Series, columns: list[str],
                 groups: pd.Series | None = None, names: list[str] | None = None,
                 single_name: str = "series") -> dict[str, pd.DataFrame]:
    """One frame per series: ``DatetimeIndex`` named ``time``, float64 ``columns``."""
    def frame(mask) -> pd.DataFrame:
        part = values.loc[mask, columns] if mask is not None else values[columns]
        index = pd.DatetimeIndex(times[mask] if mask is not None else times, name="time")
        return pd.DataFrame(part.to_numpy("float64"), index=index, columns=columns)

    if groups is None:
        return {single_name: frame(None)}
    return {name: frame((groups == name).to_numpy()) for name in names}


def sentinel_to_nan(frames: dict[str, pd.DataFrame], sentinel: float) -> None:
    for frame in frames.values():
        frame.mask(np.isclose(frame.to_numpy(), sentinel), inplace=True)


def build_raw(source: str, frames: dict[str, pd.DataFrame], target: str,
              features: list[str], *, path: str | Path, sha256: str | None = None,
              angle_columns: list[str] | None = None, frequency: str | None = None,
              season: int | None = None, is_price: bool = False) -> ForecastRaw:
    """Count missing values, record provenance (sha256 of ``path`` when it is a file)
    and map each frame's values (``pipelines.core.mapped``: file-backed, not held in
    the process's memory through training)."""
    columns = [target, *features]
    missing = {c: int(sum(int(f[c].isna().sum()) for f in frames.values())) for c in columns}
    if sha256 is None and Path(path).is_file():
        sha256 = file_sha256(path)
    first = next(iter(frames.values()), None)
    schema = {} if first is None else {"time": "datetime64[ns]", **{
        str(c): str(first[c].dtype) for c in columns if c in first}}
    provenance = Provenance(source=source, path=str(path), sha256=sha256 or "",
                            rows=int(sum(len(f) for f in frames.values())), schema=schema)
    return ForecastRaw(
        series={name: mapped.map_frame(frame) for name, frame in frames.items()},
        target=target, features=list(features), provenance=provenance,
        angle_columns=[c for c in (angle_columns or []) if c in columns],
        frequency=frequency, season=season, is_price=is_price, missing=missing,
    )


def load_series_csv(path: Path, label: str, time_column: str, columns: list[str], *,
                    time_format: str | None = None, encoding: str = "utf-8",
                    series_column: str | None = None, series: list[str] | None = None,
                    default_series: list[str] | None = None, what: str = "series",
                    single_name: str = "series",
                    drop_repeated_rows: bool = False) -> dict[str, pd.DataFrame]:
    """Read, check and split a CSV with one timestamp column and numeric ``columns``.

    With ``series_column``, only the rows of the selected series are checked and kept
    (``series``, else ``default_series``, else every series in the file).
    ``drop_repeated_rows``: a row identical to an earlier one (timestamp, series and
    values) is dropped instead of reported as a duplicate timestamp.
    """
    wanted = [time_column, *([series_column] if series_column else []), *columns]
    dtype = {time_column: str, **({series_column: str} if series_column else {})}
    table = read_csv(path, list(dict.fromkeys(wanted)), label=label, encoding=encoding,
                     dtype=dtype)
    groups = names = None
    if series_column:
        groups = table[series_column]
        empty = groups.isna()
        if empty.any():
            row = groups.index[np.argmax(empty.to_numpy())]
            raise ForecastDataError(
                f"{label}, line {line_of(row)}, column '{series_column}': the {what} name "
                f"is empty."
            )
        available = list(pd.unique(groups))
        names = select_series(available, series, default_series or sorted(available),
                              label, what, series_column)
        keep = groups.isin(names).to_numpy()
        table, groups = table[keep], groups[keep]
    times = parse_times(table[time_column], label, time_column, time_format)
    values = to_float(table, columns, label)
    if drop_repeated_rows:
        keys = [times.rename("__time__"), values, *([groups] if groups is not None else [])]
        keep = ~pd.concat(keys, axis=1).duplicated(keep="first").to_numpy()
        times, values = times[keep], values[keep]
        groups = groups[keep] if groups is not None else None
    check_order(times, label, time_column, groups, what)
    return split_frames(values, times, columns, groups, names, single_name)
