"""The forecasting task's configuration: typed sections holding every default and its
allowed range (`config.yaml` holds only profile overlays; see `pipelines.core.config`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from pipelines.core.config import (
    ConfigModel,
    Dropout,
    Fraction,
    LearningRate,
    NonNegativeInt,
    PositiveInt,
    RecurrentModelConfig,
    Seed,
    broken_rule,
    check_choice,
    invalid,
    task_config,
)

#: `data.source` values (`pipelines.forecast.ingest.SOURCES` lists the same).
SOURCES = ("seattle-weather", "msft", "beijing", "sp500", "jena", "csv:PATH")


class DataConfig(ConfigModel):
    """Where the series come from.

    Args:
        source: `seattle-weather` (default, ships in vega_datasets), `msft` (pmdarima),
            `beijing`, `sp500`, `jena` (data home), or `csv:PATH` (a user's CSV, plain or .gz).
        target: Column to forecast; `None` takes the source's default
            (`temp_max`, `Close`, `TEMP`, `close`, `T (degC)`; required for csv).
        features: Extra numeric input columns; `None` takes the source's default set.
        time_column: Timestamp column (csv only; the built-in sources know theirs).
        series_column: Column naming the series when one file holds several (csv only).
        series: Which series to use (Beijing stations, S&P tickers, csv series values);
            `None` takes the source's default (first station / `AAPL`); `["all"]`
            takes every series of the source (one global model over all of them).
        covariate_series: Other series whose readings are joined as input covariates
            of every target series (e.g. upwind Beijing stations); `["all"]` = all others.
    """

    source: str = "seattle-weather"
    target: str | None = None
    features: list[str] | None = None
    time_column: str | None = None
    series_column: str | None = None
    series: list[str] | None = None
    covariate_series: list[str] = Field(default_factory=list)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return check_choice(value, SOURCES)


class FeaturizeConfig(ConfigModel):
    """From raw rows to windows.

    Args:
        frequency: Resample to this pandas frequency (`"1h"`, `"1D"`); `None` keeps the
            source's own step, except that series finer than hourly (Jena's 10 minutes)
            are averaged to hourly.
        fill_limit: Gaps of up to this many steps are linearly interpolated; a longer
            run of missing values is an error naming where it is. `None`: a day (24)
            for hourly series, a week (7) for daily or coarser ones.
        calendar: Add hour-of-day / day-of-year as sin/cos features.
        returns: Model log-returns of the target (prices) instead of levels.
        seasonal_residual: Forecast each step's difference from the seasonal-naive
            forecast, `y_{t+k} − y_{t+k−m}`, and add it back: the model starts from the
            baseline it has to beat. Needs horizon ≤ season ≤ lookback.
        lookback: Input window length, in steps; `None`: 30 for daily or coarser
            series, 72 (three days) for hourly ones.
        horizon: Steps ahead to forecast (the model predicts all of 1..horizon);
            `None`: 1 for daily or coarser series, 24 (a day) for hourly ones.
        val_fraction: Share of the series (chronologically after train) for validation.
        test_fraction: Share at the end of the series for the test.
        stride: Step between consecutive training windows.
    """

    frequency: str | None = None
    fill_limit: NonNegativeInt | None = None
    calendar: bool = True
    returns: bool = False
    seasonal_residual: bool = False
    lookback: PositiveInt | None = None
    horizon: PositiveInt | None = None
    val_fraction: Fraction = 0.15
    test_fraction: Fraction = 0.15
    stride: PositiveInt = 1

    @field_validator("frequency")
    @classmethod
    def _pandas_frequency(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from pandas.tseries.frequencies import to_offset  # only when one is given

        try:
            to_offset(value)
        except (ValueError, TypeError):
            raise invalid("a pandas frequency such as 1h, 1D, W or MS, or null") from None
        return value

    @model_validator(mode="after")
    def _room_to_train(self) -> FeaturizeConfig:
        if self.val_fraction + self.test_fraction >= 1:
            raise broken_rule(
                f"val_fraction + test_fraction must be < 1 (the rest is the training "
                f"split); received {self.val_fraction:g} + {self.test_fraction:g}",
                "val_fraction", "test_fraction")
        return self


class ModelConfig(RecurrentModelConfig):
    """The forecaster: a registry recurrent layer and a dense (or deep) head.

    Args:
        cell: `rnnkit.models.build_recurrent` name (`gru lstm simple elman leaky
            skip_delay multiscale dt dts stacked`).
        cell_args: The cell's own arguments (`alpha`, `delays`, `periods`, `inner_cell`
            and `num_layers` of `stacked` ...), checked against the cell.
        units: Hidden units of the recurrent layer.
        bidirectional: Wrap the recurrent layer in `Bidirectional`.
        deep_output: Hidden widths of a `DeepOutput` head; empty = one Dense layer.
        dropout: Dropout on the recurrent layer's output.
        quantiles: Levels to forecast, e.g. `[0.1, 0.5, 0.9]`: the model emits one
            forecast per level (they never cross), trains on the pinball loss, and its
            point forecast is the level nearest 0.5; empty = a point forecaster.
        series_embedding: Width of a learned embedding of the series id appended to every
            input step (a global model over many series tells them apart by it); 0 =
            none. Series never seen in training read a shared unseen-series row.
    """

    units: PositiveInt = 64
    bidirectional: bool = False
    deep_output: list[PositiveInt] = Field(default_factory=list)
    dropout: Dropout = 0.0
    quantiles: list[float] = Field(default_factory=list)
    series_embedding: NonNegativeInt = 0

    @field_validator("quantiles")
    @classmethod
    def _increasing_levels(cls, value: list[float]) -> list[float]:
        return _levels(value, "strictly increasing levels in (0, 1), e.g. [0.1, 0.5, 0.9]")


class TrainConfig(ConfigModel):
    """Optimisation: Adam on the scaled target, early stopping on validation.

    Args:
        loss: `mae` (trains for the metric the forecast is judged by), `mse` or `huber`;
            a quantile model (`model.quantiles`) trains on the pinball loss instead.
        learning_rate: Adam's initial rate; halved when the validation loss stalls for
            `patience // 2` epochs.
        patience: Epochs without validation improvement before stopping; the best
            epoch's weights are restored.
        max_train_windows: Train on a random subset of this many windows (smoke runs).
    """

    epochs: PositiveInt = 60
    batch_size: PositiveInt = 64
    loss: Literal["mae", "mse", "huber"] = "mae"
    learning_rate: LearningRate = 2e-3
    patience: NonNegativeInt = 8
    seed: Seed = 42
    max_train_windows: PositiveInt | None = None


class EvaluateConfig(ConfigModel):
    """Test metrics and baselines.

    Args:
        season: Season length in steps of the seasonal-naive baseline; `None` = the
            source's natural one (7 for daily, 24 for hourly data).
        statistical: `ets` or `arima` (statsmodels) baseline, or `none`.
        statistical_max_windows: Test windows the statistical baseline is fitted on
            (it refits per window; spread evenly over the test period).
        backtest_windows: Rolling-origin backtest: the test period cut into this many
            consecutive folds, each scored on its own (one pass over the test set).
        refit_every: Refit the forecasters every k forecast origins of the test period:
            the model warm-starts from its weights and trains `refit_epochs` epochs on
            every window observed by then; the statistical baseline refits its
            parameters every k of its own origins. 0 = fit once, before the test period.
        refit_epochs: Epochs of each warm-started refit of the model.
        holdout_series: Keep this many series (chosen at random with `train.seed`) out of
            training and validation entirely; they are forecast on their test period
            and reported apart (`holdout/...`): how the model does on a series it never
            saw. Needs more series than this.
        interval: Nominal coverage of the split-conformal prediction intervals put
            around every forecaster (model and baselines), one number or a list
            (`[0.8, 0.95]`); calibrated per horizon step on the validation windows.
            Empty = no intervals.
        plot_series: Test windows drawn in the forecast-vs-actual plot.
    """

    season: PositiveInt | None = None
    statistical: Literal["ets", "arima", "none"] = "ets"
    statistical_max_windows: PositiveInt = 50
    backtest_windows: PositiveInt = 5
    refit_every: NonNegativeInt = 0
    refit_epochs: PositiveInt = 1
    holdout_series: NonNegativeInt = 0
    interval: list[float] = Field(default_factory=lambda: [0.8, 0.95])
    plot_series: PositiveInt = 200

    @field_validator("interval", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, int | float) and not isinstance(value, bool) \
            else value

    @field_validator("interval")
    @classmethod
    def _coverages(cls, value: list[float]) -> list[float]:
        return _levels(value, "coverages in (0, 1), increasing, e.g. 0.8 or [0.8, 0.95]")


def _levels(value: list[float], requirement: str) -> list[float]:
    if any(not 0 < v < 1 for v in value) or any(np.diff(value) <= 0):
        raise invalid(requirement)
    return value


def _quantiles_of_levels(cfg) -> None:
    if cfg.model.quantiles and cfg.featurize.returns:
        raise broken_rule(
            "model.quantiles cannot be combined with featurize.returns = true: quantiles "
            "of log-returns do not add up to quantiles of the price; use conformal "
            "intervals (evaluate.interval) for returns models", "model.quantiles",
            "featurize.returns")


def _one_target_transform(cfg) -> None:
    if cfg.featurize.returns and cfg.featurize.seasonal_residual:
        raise broken_rule(
            "featurize.returns and featurize.seasonal_residual are two ways of choosing "
            "what the model forecasts; set one of them", "featurize.returns",
            "featurize.seasonal_residual")


ForecastConfig = task_config(
    "ForecastConfig", __name__, rules=[_quantiles_of_levels, _one_target_transform],
    data=DataConfig, featurize=FeaturizeConfig, model=ModelConfig, train=TrainConfig,
    evaluate=EvaluateConfig)
