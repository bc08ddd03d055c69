"""The MLflow side of every task's pyfunc: the entry point's `PythonModel`.

`pipelines/core/pyfunc_entry.py` sets ``ModelFromConfig()`` as the logged model; when
MLflow loads it, it imports the task's `pipelines.core.serving.TaskModel` subclass
named by ``model_config["class"]`` and delegates to it. A `serving.BadRequest` becomes
MLflow's BAD_REQUEST, so the scoring server answers 400 with its message.
"""

from __future__ import annotations

import mlflow
from mlflow.protos.databricks_pb2 import BAD_REQUEST

from pipelines.core.serving import BadRequest, TaskModel, task_model_class


class RequestRefused(mlflow.exceptions.MlflowException, BadRequest):
    """A `BadRequest` as MLflow's scoring server reports it: 400, the message."""

    def __init__(self, message: str):
        mlflow.exceptions.MlflowException.__init__(self, message, error_code=BAD_REQUEST)


class ModelFromConfig(mlflow.pyfunc.PythonModel):
    """The entry point's model: imports ``model_config["class"]`` and delegates to it."""

    inner: TaskModel | None = None

    def load_context(self, context):
        cls = task_model_class((context.model_config or {}).get("class", ""))
        self.inner = cls()
        self.inner.load_context(context)

    def predict(self, context, model_input, params: dict | None = None):
        try:
            return self.inner.predict(context, model_input, params)
        except BadRequest as exc:
            raise RequestRefused(str(exc)) from exc
