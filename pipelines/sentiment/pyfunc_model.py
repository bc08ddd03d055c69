"""MLflow "model from code" entry point of the sentiment classifier (no pickled object)."""

import mlflow

from pipelines.sentiment.serving import SentimentModel

mlflow.models.set_model(SentimentModel())
