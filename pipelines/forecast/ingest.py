"""Forecast ingest: load the configured source into validated, time-indexed frames.

``ingest(cfg)`` picks the loader of ``cfg.data.source`` (see ``SOURCES``). Every loader
checks its input before any training: an empty file, a missing column, an unparsable,
duplicate or unsorted timestamp, a non-numeric or infinite value each raise
``ForecastDataError`` naming the file, the line (header = line 1) and the column.
NaN is allowed (featurize fills it) and counted in ``ForecastRaw.missing``.
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.core.errors import ConfigError
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.beijing import beijing
from pipelines.forecast.sources.jena import jena
from pipelines.forecast.sources.packaged import msft, seattle_weather
from pipelines.forecast.sources.sp500 import sp500
from pipelines.forecast.sources.table import ForecastDataError, suggest
from pipelines.forecast.sources.user_csv import user_csv

__all__ = ["SOURCES", "ForecastDataError", "ingest"]

LOADERS: dict[str, Callable[[ForecastConfig], ForecastRaw]] = {
    "seattle-weather": seattle_weather,
    "msft": msft,
    "beijing": beijing,
    "sp500": sp500,
    "jena": jena,
}
SOURCES: tuple[str, ...] = (*LOADERS, "csv:PATH")


def ingest(cfg: ForecastConfig) -> ForecastRaw:
    """Load ``cfg.data.source`` as ``ForecastRaw`` (frames ordered [target, *features])."""
    source = (cfg.data.source or "").strip()
    if source.startswith("csv:"):
        return user_csv(cfg)
    if source not in LOADERS:
        raise ConfigError(
            f"data.source={source!r} is not a forecasting source{suggest(source, LOADERS)}. "
            f"Choose one of: {', '.join(SOURCES)}."
        )
    return LOADERS[source](cfg)
