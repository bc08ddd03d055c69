"""Forecasting: weather and stock series, a registry recurrent model against baselines."""

from pipelines.core.tasks import TaskSpec
from pipelines.forecast.config import SOURCES, ForecastConfig

TASK = TaskSpec(
    name="forecast",
    summary="Multi-step forecasting of weather and stock series.",
    config=ForecastConfig,
    home=__name__,
    metrics={"mae": False, "rmse": False, "smape": False, "mase": False, "mae_last_step": False,
             "directional_accuracy": True},
    key_params=("model.cell", "model.units", "featurize.lookback", "featurize.horizon",
                "train.epochs"),
    package=".serving:package",
    predict=".serving:predict",
    score_model=".rescore:score_model",
    sources=SOURCES,
)
