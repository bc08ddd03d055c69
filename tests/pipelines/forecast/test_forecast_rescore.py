"""score_model (the retrain hook): a forecaster scored through its OWN preprocessor."""

import copy
import types

import numpy as np
import pytest

from forecast_fixtures import config, daily_raw
from pipelines.core.errors import RnnkitUserError
from pipelines.forecast.baselines import naive
from pipelines.forecast.featurize import featurize
from pipelines.forecast.metrics import point_metrics
from pipelines.forecast.rescore import score_model


class LastValue:
    """A 'Keras model' repeating the last scaled target of its input window."""

    def __init__(self, horizon):
        self.horizon = horizon

    def predict(self, dataset, verbose=0):
        last = [batch[0][:, -1, :1] for batch in (dataset[i] for i in range(len(dataset)))]
        return np.repeat(np.concatenate(last), self.horizon, axis=1)


def test_a_champion_with_another_lookback_and_scaler_is_scored_on_our_windows():
    features = featurize(config(), daily_raw(n=240, series=("a", "b")))
    champion_pre = copy.deepcopy(features.preprocessor)
    champion_pre.lookback = 5  # a champion trained otherwise: shorter input, other scaler
    for name in champion_pre.mean:
        champion_pre.mean[name] = [m + 3.0 for m in champion_pre.mean[name]]
        champion_pre.std[name] = [s * 2.0 for s in champion_pre.std[name]]
    model = types.SimpleNamespace(model=LastValue(3), preprocessor=champion_pre)

    scored = score_model(None, None, features, model)

    # scale then unscale by the champion's own scaler gives back the last value itself
    test, h = features.windows["test"], 3
    actual = np.stack([features.series[s].level[t + 1 : t + 1 + h] for s, t in test.index])
    expected = np.concatenate([naive(s.level, test.index[test.index[:, 0] == i, 1], h)
                               for i, s in enumerate(features.series)])
    scale = np.array([features.naive_scale(s) for s in test.index[:, 0]])
    assert test.index[:, 0].tolist() == sorted(test.index[:, 0].tolist())  # series in order
    reference = point_metrics(actual, expected, scale)
    assert scored == pytest.approx(reference, rel=1e-6)


def test_a_model_forecasting_something_else_is_not_comparable():
    features = featurize(config(), daily_raw(n=240))
    other = copy.deepcopy(features.preprocessor)
    other.horizon = 5
    with pytest.raises(RnnkitUserError, match="horizon = 5, this run with horizon = 3"):
        score_model(None, None, features, types.SimpleNamespace(model=LastValue(5),
                                                                 preprocessor=other))
    with pytest.raises(RnnkitUserError, match="not an rnnkit forecaster"):
        score_model(None, None, features, types.SimpleNamespace(model=None))
