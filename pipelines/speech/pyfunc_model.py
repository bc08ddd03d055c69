"""MLflow "model from code" entry point of the speech classifier (no pickled object)."""

import mlflow

from pipelines.speech.serving import SpeechModel

mlflow.models.set_model(SpeechModel())
