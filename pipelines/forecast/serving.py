"""The trained forecaster as an MLflow model: log, register, load, predict."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError
from pipelines.forecast.preprocess import Preprocessor

TIME_COLUMNS = ("time", "date", "Date", "Date Time", "datetime", "timestamp")


def forecast_frame(model, pre: Preprocessor, frame: pd.DataFrame, series: str | None = None):
    """Forecast the `horizon` steps after the last row of `frame` (original units).

    `frame`: recent rows with a time column (or a DatetimeIndex), the target and the
    features, at least `lookback` rows after resampling.
    """
    frame = _time_indexed(frame)
    name = series or next(iter(pre.mean))
    missing = [c for c in [pre.target, *pre.features] if c not in frame.columns]
    if missing:
        raise RnnkitUserError(
            f"Forecast input lacks columns {missing}; found {list(frame.columns)}."
        )
    regular, _ = pre.regularize(frame, name)
    matrix = pre.matrix(regular)
    if len(matrix) < pre.lookback:
        raise RnnkitUserError(
            f"Forecast input has {len(matrix)} rows after resampling; the model reads "
            f"lookback = {pre.lookback} rows."
        )
    x = pre.scale(name, matrix)[-pre.lookback :][None]
    values = pre.unscale_target(name, np.asarray(model.predict(x, verbose=0))[0])
    if pre.returns:
        values = regular[pre.target].iloc[-1] * np.exp(np.cumsum(values))
    return pd.DataFrame([values], columns=[f"step_{k + 1}" for k in range(len(values))])


def _time_indexed(frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(frame.index, pd.DatetimeIndex):
        return frame.sort_index()
    column = next((c for c in TIME_COLUMNS if c in frame.columns), frame.columns[0])
    try:
        index = pd.to_datetime(frame[column])
    except (ValueError, TypeError) as exc:
        raise RnnkitUserError(f"Cannot read timestamps in column {column!r}: {exc}") from exc
    return frame.drop(columns=[column]).set_index(pd.DatetimeIndex(index, name="time")).sort_index()


class ForecastModel(mlflow.pyfunc.PythonModel):
    """pyfunc: a DataFrame of recent rows in, a one-row DataFrame `step_1..step_H` out."""

    def load_context(self, context):
        import keras

        self.model = keras.saving.load_model(context.artifacts["model"])
        self.preprocessor = Preprocessor.load(context.artifacts["preprocessor"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):
        series = (params or {}).get("series")
        return forecast_frame(self.model, self.preprocessor, model_input, series)


def input_example(features) -> pd.DataFrame:
    """The last `lookback + 1` rows of the first series, as a user would pass them."""
    frame = features.series[0].frame.iloc[-(features.preprocessor.lookback + 1) :]
    return frame.reset_index().assign(time=lambda f: f["time"].astype(str))


def register(cfg, trained, features, report, run):
    """Log the model (with signature and input example) and register `rnnkit-forecast`."""
    example = input_example(features)
    output = forecast_frame(trained.model, features.preprocessor, example)
    tracking.log_keras_pyfunc(run, Path(__file__).with_name("pyfunc_model.py"), trained.model,
                              {"preprocessor": features.preprocessor}, example, output)


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict forecast FILE.csv ...`: one forecast per CSV of recent rows."""
    model = tracking.load_task_model("forecast", model_uri)
    results = []
    for path in inputs:
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError) as exc:
            raise RnnkitUserError(f"Cannot read forecast input {path}: {exc}") from exc
        values = model.predict(frame).iloc[0].tolist()
        results.append({"input": path, "forecast": values})
    return results
