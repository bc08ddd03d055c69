"""score_model: any registered forecaster, scored on this run's test windows.

`rnnkit retrain` calls it for the challenger and for the current champion, so both are
judged on the same, most recent windows. Each model reads its inputs through its OWN
preprocessor (its lookback, columns and train-fitted scaler, as in serving) from this
run's regular series; the targets are this run's, in original units, so the metrics are
those of `evaluate` (`mae rmse smape mase`, MASE over this run's train split).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import task_model
from pipelines.forecast.evaluate import forecast_levels, split_actuals
from pipelines.forecast.featurize import ForecastFeatures
from pipelines.forecast.metrics import point_metrics
from pipelines.forecast.preprocess import Preprocessor
from pipelines.forecast.windows import WindowSet


def score_model(cfg, raw, features: ForecastFeatures, model) -> dict[str, float]:
    """`mae rmse smape mase` of `model` (a loaded `rnnkit-forecast` pyfunc) on the test
    windows of `features`.

    Raises:
        RnnkitUserError: the model forecasts something else (another target, horizon
            or frequency, or a series it has no scaler for), so it cannot be compared.
    """
    keras_model, pre = _unwrap(model)
    _check_comparable(pre, features.preprocessor)
    test = features.windows["test"]
    if int(test.index[:, 1].min()) - pre.lookback + 1 < 0:
        raise RnnkitUserError(
            f"The model reads lookback = {pre.lookback} rows, more than the test windows "
            "of this run have before them; it cannot be scored on them."
        )
    matrices = [pre.scale(s.name, pre.matrix(s.frame)) for s in features.series]
    windows = WindowSet(matrices, [np.zeros(len(m)) for m in matrices], test.index,
                        pre.lookback, pre.horizon)
    view = dataclasses.replace(features, preprocessor=pre, windows={"test": windows})
    actual, scale = split_actuals(features, "test")
    return point_metrics(actual, forecast_levels(keras_model, view), scale)


def _unwrap(model):
    """The Keras model and the `Preprocessor` inside a loaded forecast pyfunc."""
    inner = task_model(model)
    keras_model, pre = getattr(inner, "model", None), getattr(inner, "preprocessor", None)
    if keras_model is None or not isinstance(pre, Preprocessor):
        raise RnnkitUserError(
            f"{type(inner).__name__} is not an rnnkit forecaster (no Keras model and "
            "forecast preprocessor inside); it cannot be scored."
        )
    return keras_model, pre


def _check_comparable(model_pre: Preprocessor, run_pre: Preprocessor) -> None:
    for key in ("target", "horizon", "frequency"):
        mine, theirs = getattr(model_pre, key), getattr(run_pre, key)
        if mine != theirs:
            raise RnnkitUserError(
                f"The model forecasts with {key} = {mine!r}, this run with {key} = "
                f"{theirs!r}: their forecasts are not comparable."
            )
