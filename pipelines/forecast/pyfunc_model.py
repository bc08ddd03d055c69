"""MLflow "model from code" entry point of the forecaster (no pickled Python object)."""

import mlflow

from pipelines.forecast.serving import ForecastModel

mlflow.models.set_model(ForecastModel())
