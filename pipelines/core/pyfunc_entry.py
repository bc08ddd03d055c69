"""MLflow "model from code" entry point of every task's pyfunc (nothing is pickled).

The logged model's ``model_config["class"]`` names the task's ``TaskModel`` subclass
(``pipelines/core/serving.py``).
"""

import mlflow

from pipelines.core.serving import ModelFromConfig

mlflow.models.set_model(ModelFromConfig())
