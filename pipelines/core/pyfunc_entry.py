"""MLflow "model from code" entry point of every task's pyfunc (nothing is pickled).

The logged model's ``model_config["class"]`` names the task's ``TaskModel`` subclass
(``pipelines/core/serving.py``); ``pipelines/core/pyfunc_model.py`` loads it.
"""

import mlflow

from pipelines.core.pyfunc_model import ModelFromConfig

mlflow.models.set_model(ModelFromConfig())
