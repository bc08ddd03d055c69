import numpy as np
import pytest

from pipelines.forecast import baselines
from pipelines.forecast.metrics import directional_accuracy, mase, point_metrics, smape


def test_metrics_by_hand():
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecast = np.array([[2.0, 2.0], [3.0, 2.0]])
    m = point_metrics(actual, forecast, scale=np.array([1.0, 2.0]))
    assert m["mae"] == (1 + 0 + 0 + 2) / 4
    assert np.isclose(m["rmse"], np.sqrt((1 + 4) / 4))
    assert np.isclose(m["mase"], (1 + 0 + 0 + 1) / 4)
    assert m["mae_last_step"] == (0 + 2) / 2
    assert np.isclose(smape(actual, forecast), 100 * (2 / 3 + 0 + 0 + 4 / 6) / 4)
    assert smape(np.zeros((1, 1)), np.zeros((1, 1))) == 0.0
    assert mase(actual, actual, np.ones(2)) == 0.0


def test_directional_accuracy_ignores_flat_steps():
    last = np.array([1.0, 1.0, 1.0])
    actual = np.array([[2.0], [0.0], [1.0]])
    forecast = np.array([[1.5], [1.5], [3.0]])
    assert directional_accuracy(last, actual, forecast) == 0.5


def test_naive_and_seasonal_naive():
    level = np.arange(30, dtype=float)
    ends = np.array([10, 20])
    np.testing.assert_array_equal(baselines.naive(level, ends, 3), [[10] * 3, [20] * 3])
    # season 7: y_{e+k-7}; for k = 8 (> season) two seasons back
    np.testing.assert_array_equal(baselines.seasonal_naive(level, ends, 8, 7)[0],
                                  [4, 5, 6, 7, 8, 9, 10, 4])


def test_statistical_baseline_tracks_a_trend():
    level = np.linspace(0, 50, 300) + np.random.default_rng(0).normal(0, 0.1, 300)
    ends = np.array([250, 280])
    forecast = baselines.statistical("ets", level, 200, ends, 5)
    truth = level[ends[:, None] + np.arange(1, 6)]
    assert np.abs(forecast - truth).mean() < 0.5
    arima = baselines.statistical("arima", level, 200, ends, 5, refit_every=1)
    assert arima.shape == (2, 5) and np.isfinite(arima).all()


def test_spread():
    assert list(baselines.spread(5, 10)) == [0, 1, 2, 3, 4]
    picked = baselines.spread(100, 4)
    assert list(picked) == [0, 33, 66, 99]


@pytest.mark.parametrize("broken", [np.nan, np.inf])
def test_every_metric_of_a_non_finite_forecast_is_nan(broken):
    """A NaN forecast used to score sMAPE 0, the best value: it must score NaN."""
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecast = np.array([[broken, broken], [3.0, 4.0]])
    metrics = point_metrics(actual, forecast, np.ones(2))
    assert all(np.isnan(v) for v in metrics.values()), metrics
    assert np.isnan(smape(actual, np.full_like(actual, np.nan)))
