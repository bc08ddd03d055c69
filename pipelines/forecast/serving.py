"""The trained forecaster as an MLflow model: log, register, load, predict.

The pyfunc takes a DataFrame of one series' recent rows (a time column or a
DatetimeIndex, the target and the features; ``params={"series": NAME}`` picks the
scaler of a multi-series model) and answers, in original units,
``[{"forecast": [step_1, ..., step_H], "intervals": {"80": {"lower": [...], "upper":
[...]}, ...}, "quantiles": {"0.1": [...], ...}}]`` (intervals: the run's conformal
calibration; quantiles: a quantile model's own levels), or ``[{"error": ...}]`` when the
rows cannot be forecast from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core import local_models, serving
from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import InputError
from pipelines.forecast.conformal import Calibration
from pipelines.forecast.preprocess import Preprocessor
from rnnkit.layers.quantiles import median_index, model_quantiles

TIME_COLUMNS = ("time", "date", "Date", "Date Time", "datetime", "timestamp")


def forecast_values(model, pre: Preprocessor, frame: pd.DataFrame,
                    series: str | None = None) -> list[float]:
    """The `horizon` point forecasts after the last row of `frame`, original units."""
    return forecast_answer(model, pre, frame, series)["forecast"]


def forecast_answer(model, pre: Preprocessor, frame: pd.DataFrame, series: str | None = None,
                    calibration: Calibration | None = None) -> dict:
    """``{"forecast": [...]}`` after the last row of `frame` (original units), with
    ``"intervals"`` when a calibration is given and ``"quantiles"`` for a quantile model.

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
    if pre.series_index:  # a global model: which series, by its embedding row
        x = {"window": x, "series": np.array([pre.series_id(name)], dtype="int32")}
    level = regular[pre.target].to_numpy("float64")
    values = pre.restore(name, np.asarray(model.predict(x, verbose=0)), level,
                         [len(level) - 1])[0]
    levels = model_quantiles(model)
    point = values[:, median_index(levels)] if levels else values
    answer = {"forecast": [float(v) for v in point]}
    if calibration is not None and calibration.levels and name in calibration.scale:
        answer["intervals"] = calibration.intervals(point, name)
    if levels:
        answer["quantiles"] = {f"{t:g}": [float(v) for v in values[:, i]]
                               for i, t in enumerate(levels)}
    return answer


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

    preprocessors = {"preprocessor": Preprocessor, "calibration": Calibration}
    optional = frozenset({"calibration"})  # models saved before intervals existed

    def read(self, model_input) -> list:
        return [model_input]  # the rows of one series make one forecast

    def prepare(self, frame, position: int, params: dict) -> dict:
        return forecast_answer(self.model, self.preprocessor, pd.DataFrame(frame),
                               params.get("series") or None,  # "" (the default): the first
                               getattr(self, "calibration", None))

    def answer(self, answers: list, params: dict) -> list[dict]:
        return answers


def input_example(features) -> pd.DataFrame:
    """The last `lookback + 1` rows of the first series, as a user would pass them."""
    frame = features.series[0].frame.iloc[-(features.preprocessor.lookback + 1) :]
    return frame.reset_index().assign(time=lambda f: f["time"].astype(str))


def package(cfg, trained, features, report) -> serving.ModelPackage:
    """The forecaster with its scaler and its interval calibration, the last rows of the
    first series as example."""
    calibration = Calibration.from_dict(report.artifacts.get("calibration") or {})
    return serving.ModelPackage(ForecastModel, trained.model,
                                {"preprocessor": features.preprocessor,
                                 "calibration": calibration},
                                input_example(features),
                                params={"series": ""})  # in the signature, or MLflow drops it


def predict(inputs: list[str], model_uri: str | None) -> list[dict]:
    """`rnnkit predict forecast FILE.csv ...`: one forecast per CSV of recent rows, or
    what is wrong with the file."""
    model = local_models.load_task_model("forecast", model_uri)
    results = []
    for path in inputs:
        try:
            frame = pd.read_csv(path)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            results.append({"input": path, serving.ERROR: f"Cannot read {path}: {exc}"})
            continue
        results.append({"input": path, **model.predict(frame)[0]})
    return results
