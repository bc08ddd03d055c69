"""`rnnkit serve TASK`: the pyfunc ``rnnkit predict`` uses, behind MLflow's scoring server.

The model is the task's champion (``pipelines.core.tracking.serving_model``) unless
``--model`` names another; the app is MLflow's own scoring server
(``mlflow.pyfunc.scoring_server.init``: ``POST /invocations`` with ``dataframe_records``,
``dataframe_split``, ``inputs`` or ``instances``, ``GET /ping``), run by uvicorn with one
worker. Its answers are the pyfunc's: ``{"predictions": [...]}`` holding, per input, the
very dict ``rnnkit predict --json`` prints without its ``"input"`` key, or
``{"error": ...}`` for an input it cannot answer.

One layer is added around it: an error response (bad JSON, a wrong content type, input
the model refuses) is JSON with an ``error_code`` and a ``message`` cut to a readable
length, and never carries a Python traceback (MLflow puts one in ``stack_trace``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from pipelines.core import tracking

MAX_MESSAGE = 1000
LOOPBACK = ("127.0.0.1", "localhost", "::1")
PREDICT_PREFIX = re.compile(r"^Failed to predict data .*?\nError: ", re.DOTALL)


def build_app(model):
    """MLflow's scoring app for the loaded pyfunc ``model``, with clean error bodies."""
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from mlflow.pyfunc import scoring_server

    app = scoring_server.init(model)

    @app.middleware("http")
    async def clean_errors(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception as exc:  # a bug below: say what, not where
            return JSONResponse({"error_code": "INTERNAL_ERROR",
                                 "message": _cut(f"{type(exc).__name__}: {exc}")}, 500)
        if response.status_code < 400:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        return JSONResponse(clean_error(body, response.status_code), response.status_code)

    return app


def clean_error(body: bytes, status: int) -> dict:
    """An error body as ``{"error_code", "message"}``: no ``stack_trace``, the message
    without MLflow's echo of the whole input, at most MAX_MESSAGE characters."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = {"message": text}
    if not isinstance(data, dict):
        data = {"message": str(data)}
    data.pop("stack_trace", None)
    data.setdefault("error_code", "BAD_REQUEST" if status < 500 else "INTERNAL_ERROR")
    data["message"] = _cut(PREDICT_PREFIX.sub("", str(data.get("message", "")).strip()))
    return data


def _cut(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    return message[:MAX_MESSAGE] + f"... ({len(message):,} characters)"


def serve(task: str, model_uri: str | None = None, host: str = "127.0.0.1",
          port: int = 5001, say: Callable[[str], None] = print) -> None:
    """Load the model and serve it until stopped (Ctrl-C, SIGTERM)."""
    import uvicorn

    model = tracking.load_task_model(task, model_uri, say=say)
    if host not in LOOPBACK:
        say(f"warning: serving on {host}: the scoring server has no authentication, so "
            "anyone who can reach this port can query the model.")
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"

    class Announced(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started:  # bound: a client may connect now
                say(f"listening on {url}: POST {url}/invocations (JSON), GET {url}/ping")

    config = uvicorn.Config(build_app(model), host=host, port=port, workers=1,
                            log_level="warning")
    Announced(config).run()
