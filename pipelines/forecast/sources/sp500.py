"""Daily OHLCV of S&P 500 tickers, 2013–2018 (data home ``sp500_stocks_5yr/``)."""

from __future__ import annotations

from pipelines.core.datahome import require_file
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.common import (
    build_raw,
    load_series_csv,
    reject_options,
    resolve_columns,
)

RELATIVE_PATH = "sp500_stocks_5yr/all_stocks_5yr.csv.gz"
DESCRIPTION = (
    "Kaggle 'S&P 500 stock data' (sandp500) all_stocks_5yr.csv by Cam Nugent, "
    "github.com/CNuge/kaggle-code (MIT), gzipped"
)


def sp500(cfg: ForecastConfig) -> ForecastRaw:
    """One series per ticker in ``data.series`` (default ``AAPL``)."""
    path = require_file(RELATIVE_PATH, DESCRIPTION)
    target, features = resolve_columns(cfg, "close", ["open", "high", "low", "volume"])
    reject_options(cfg, series=True)
    frames = load_series_csv(path, str(path), "date", [target, *features],
                             time_format="%Y-%m-%d", series_column="Name",
                             series=cfg.data.series, default_series=["AAPL"], what="ticker")
    return build_raw("sp500", frames, target, features, path=path, frequency=None,
                     season=5, is_price=True)
