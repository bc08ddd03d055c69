"""MLflow "model from code" entry point of the translator (no pickled object)."""

import mlflow

from pipelines.translate.serving import TranslateModel

mlflow.models.set_model(TranslateModel())
