"""Sources that ship inside PyPI dependencies: no download, no data home."""

from __future__ import annotations

from pathlib import Path

from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.common import (
    build_raw,
    load_series_csv,
    reject_options,
    resolve_columns,
    split_frames,
)
from pipelines.forecast.sources.table import (
    check_columns,
    check_order,
    file_sha256,
    parse_times,
    to_float,
)


def seattle_weather(cfg: ForecastConfig) -> ForecastRaw:
    """Daily Seattle weather 2012–2015 from ``vega_datasets`` (its bundled CSV)."""
    from vega_datasets import local_data

    reject_options(cfg)
    path = Path(local_data.seattle_weather.filepath)
    target, features = resolve_columns(cfg, "temp_max", ["precipitation", "temp_min", "wind"])
    label = f"vega_datasets seattle-weather ({path})"
    frames = load_series_csv(path, label, "date", [target, *features],
                             single_name="seattle-weather")
    return build_raw("seattle-weather", frames, target, features,
                     path="vega_datasets:seattle-weather", sha256=file_sha256(path),
                     frequency="1D", season=7)


def msft(cfg: ForecastConfig) -> ForecastRaw:
    """Daily MSFT OHLCV 1986–2017 from ``pmdarima.datasets.load_msft``."""
    import pmdarima.datasets as datasets

    reject_options(cfg)
    target, features = resolve_columns(cfg, "Close", ["Open", "High", "Low", "Volume"])
    table = datasets.load_msft()  # row i is line i + 2 of the CSV inside msft.tar.gz
    archive = Path(datasets.__file__).parent / "data" / "msft.tar.gz"
    label = f"pmdarima msft ({archive.name})"
    check_columns(list(table.columns), ["Date", target, *features], label)
    times = parse_times(table["Date"], label, "Date")
    values = to_float(table, [target, *features], label)
    check_order(times, label, "Date")
    frames = split_frames(values, times, [target, *features], single_name="msft")
    return build_raw("msft", frames, target, features, path="pmdarima:msft",
                     sha256=file_sha256(archive) if archive.is_file() else "",
                     frequency=None, season=5, is_price=True)
