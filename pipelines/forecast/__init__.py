"""Forecasting: weather and stock series, a registry recurrent model against baselines."""

from pipelines.forecast.config import ForecastConfig as Config
from pipelines.forecast.evaluate import evaluate
from pipelines.forecast.featurize import featurize
from pipelines.forecast.ingest import SOURCES, ingest
from pipelines.forecast.rescore import score_model
from pipelines.forecast.serving import package, predict
from pipelines.forecast.train import train

DESCRIPTION = "Multi-step forecasting of weather and stock series."

__all__ = ["Config", "DESCRIPTION", "SOURCES", "evaluate", "featurize", "ingest", "package",
           "predict",
           "score_model", "train"]
