"""The trained forecaster as an MLflow model: log, register, load, predict.

The pyfunc takes a DataFrame of one series' recent rows (a time column or a
DatetimeIndex, the target and the features; ``params={"series": NAME}`` picks the
scaler of a multi-series model) and answers ``[{"forecast": [step_1, ..., step_H]}]`` in
original units, or ``[{"error": ...}]`` when the rows cannot be forecast from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core import serving, tracking
from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import InputError
from pipelines.forecast.preprocess import Preprocessor

TIME_COLUMNS = ("time", "date", "Date", "Date Time", "datetime", "timestamp")


def forecast_values(model, pre: Preprocessor, frame: pd.DataFrame,
                    series: str | None = None) -> list[float]:
    """The `horizon` values after the last row of `frame`, in original units.

    Raises:
        InputError: missing columns, unreadable timestamps, fewer rows than `lookback`.
    """
    frame = _time_indexed(frame)
    name = series or next(iter(pre.mean))
    if name not in pre.mean:
        raise InputError(f"The model has no series {name!r}; it knows {list(pre.mean)}.")
    missing = [c for c in [pre.target, *pre.features] if c not in frame.columns]
    if missing:
        raise InputError(f"Forecast input lacks columns {missing}; found {list(frame.columns)}.")
    try:
        regular, _ = pre.regularize(frame, name)
        matrix = pre.matrix(regular)
    except RnnkitUserError as exc:
        raise InputError(str(exc)) from None
    if len(matrix) < pre.lookback:
        raise InputError(f"Forecast input has {len(matrix)} rows after resampling; the model "
                         f"reads lookback = {pre.lookback} rows.")
    x = pre.scale(name, matrix)[-pre.lookback :][None]
    values = pre.unscale_target(name, np.asarray(model.predict(x, verbose=0))[0])
    if pre.returns:
        values = regular[pre.target].iloc[-1] * np.exp(np.cumsum(values))
    return [float(v) for v in values]


def _time_indexed(frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(frame.index, pd.DatetimeIndex):
        return frame.sort_index()
    if frame.shape[1] == 0:
        raise InputError("Forecast input has no columns.")
    column = next((c for c in TIME_COLUMNS if c in frame.columns), frame.columns[0])
    try:
        index = pd.to_datetime(frame[column])
    except (ValueError, TypeError) as exc:
        raise InputError(f"Cannot read timestamps in column {column!r}: {exc}") from exc
    return frame.drop(columns=[column]).set_index(pd.DatetimeIndex(index, name="time")).sort_index()


class ForecastModel(serving.TaskModel):
    """pyfunc: a DataFrame of recent rows in, ``[{"forecast": [...]}]`` out."""

    preprocessors = {"preprocessor": Preprocessor}

    def read(self, model_input) -> list:
        return [model_input]  # the rows of one series make one forecast

    def prepare(self, frame, position: int, params: dict) -> list[float]:
        return forecast_values(self.model, self.preprocessor, pd.DataFrame(frame),
                               params.get("series"))

    def answer(self, forecasts: list, params: dict) -> list[dict]:
        return [{"forecast": values} for values in forecasts]


def input_example(features) -> pd.DataFrame:
    """The last `lookback + 1` rows of the first series, as a user would pass them."""
    frame = features.series[0].frame.iloc[-(features.preprocessor.lookback + 1) :]
    return frame.reset_index().assign(time=lambda f: f["time"].astype(str))


def package(cfg, trained, features, report) -> serving.ModelPackage:
    """The forecaster with its scaler, the last rows of the first series as example."""
    return serving.ModelPackage(ForecastModel, trained.model,
                                {"preprocessor": features.preprocessor},
                                input_example(features))


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict forecast FILE.csv ...`: one forecast per CSV of recent rows, or
    what is wrong with the file."""
    model = tracking.load_task_model("forecast", model_uri)
    results = []
    for path in inputs:
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            results.append({"input": path, serving.ERROR: f"Cannot read {path}: {exc}"})
            continue
        results.append({"input": path, **model.predict(frame)[0]})
    return results
