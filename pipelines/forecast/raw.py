"""What `ingest` hands to `featurize`: clean, typed, time-indexed frames."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipelines.core.types import Provenance


@dataclass
class ForecastRaw:
    """Series as loaded, validated but not yet resampled, filled or scaled.

    Args:
        series: Name -> frame. Each frame has a `DatetimeIndex` (sorted, unique, named
            `time`) and float64 columns: the target, then the features (for covariate
            series, their columns prefixed `"<series>:"`). Missing values are NaN
            (sentinels such as -9999 already turned into NaN).
        target: The target column's name (present in every frame).
        features: The other input columns (present in every frame, in this order).
        angle_columns: Columns holding directions in degrees (wind), which featurize
            turns into sin/cos.
        frequency: The source's native step as a pandas offset alias (`"1D"`, `"1h"`,
            `"10min"`), or `None` when irregular/unknown (e.g. trading days).
        season: The natural season in native steps (7 daily, 24 hourly, 144 for 10 min).
        is_price: True for stock prices (featurize may model returns; evaluation adds
            directional accuracy).
        missing: Count of missing values per column, before any filling.
        provenance: Where the data came from.
    """

    series: dict[str, pd.DataFrame]
    target: str
    features: list[str]
    provenance: Provenance
    angle_columns: list[str] = field(default_factory=list)
    frequency: str | None = None
    season: int | None = None
    is_price: bool = False
    missing: dict[str, int] = field(default_factory=dict)
