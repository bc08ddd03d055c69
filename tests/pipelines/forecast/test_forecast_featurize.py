import numpy as np
import pytest

from forecast_fixtures import config, daily_raw
from pipelines.forecast.featurize import featurize
from pipelines.forecast.preprocess import ForecastFeatureError, Preprocessor


def test_windows_are_chronological_and_do_not_leak():
    features = featurize(config(), daily_raw(n=200))
    s = features.series[0]
    w = features.windows
    last_target = {k: v.index[:, 1].max() + 3 for k, v in w.items()}
    first_target = {k: v.index[:, 1].min() + 1 for k, v in w.items()}
    assert last_target["train"] < s.n_train <= first_target["val"]
    assert last_target["val"] < s.n_train + s.n_val <= first_target["test"]
    assert last_target["test"] == len(s.level) - 1


def test_window_contents_match_the_series():
    features = featurize(config(), daily_raw(n=120))
    w = features.windows["test"]
    s = features.series[0]
    x, y = w.inputs(np.arange(3)), w.targets(np.arange(3))
    end = w.index[1, 1]
    np.testing.assert_array_equal(x[1], s.matrix[end - 13 : end + 1])
    np.testing.assert_array_equal(y[1], s.target[end + 1 : end + 4])
    assert x.shape == (3, 14, s.matrix.shape[1])


def test_scaler_is_fitted_on_train_only_and_features_are_derived():
    features = featurize(config(), daily_raw(n=200))
    s = features.series[0]
    train = s.matrix[: s.n_train]
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-5)
    pre = features.preprocessor
    assert pre.columns[:4] == ["y", "x", "wd sin", "wd cos"]
    assert "day-of-year sin" in pre.columns and "hour sin" not in pre.columns
    np.testing.assert_allclose(pre.unscale_target("a", s.target), s.level, atol=1e-4)


def test_short_gaps_are_filled_and_counted_long_gaps_are_an_error():
    features = featurize(config(), daily_raw(gaps=[(50, 3)]))
    assert features.filled["a"] == {"y": 3}
    assert not np.isnan(features.series[0].level).any()
    message = r"'a', column 'y': 10 consecutive missing values from 2020-02-20"
    with pytest.raises(ForecastFeatureError, match=message):
        featurize(config(), daily_raw(gaps=[(50, 10)]))


def test_too_short_series_names_both_numbers():
    with pytest.raises(ForecastFeatureError, match=r"too short: 15 rows.*14 \+ 3 = 17"):
        featurize(config(), daily_raw(n=15))


def test_returns_are_modelled_for_prices():
    features = featurize(config(featurize={"returns": True}), daily_raw(price=True))
    s = features.series[0]
    raw_returns = np.diff(np.log(s.level))
    unscaled = features.preprocessor.unscale_target("a", s.target)
    np.testing.assert_allclose(unscaled[1:], raw_returns, atol=1e-6)


def test_several_series_are_pooled_with_their_own_scalers():
    features = featurize(config(), daily_raw(series=("a", "b")))
    assert set(features.windows["train"].index[:, 0]) == {0, 1}
    assert features.preprocessor.mean["a"][0] != features.preprocessor.mean["b"][0]


def test_preprocessor_round_trips_through_json(tmp_path):
    features = featurize(config(), daily_raw())
    path = features.preprocessor.save(tmp_path / "pre.json")
    assert Preprocessor.load(path) == features.preprocessor


def test_a_seasonal_residual_target_restores_to_the_actual_levels():
    cfg = config(featurize={"seasonal_residual": True, "horizon": 3})
    features = featurize(cfg, daily_raw(n=120))
    s, pre, test = features.series[0], features.preprocessor, features.windows["test"]
    assert pre.seasonal_residual == 7
    rows = np.arange(len(test))
    # the true residuals as model outputs restore to the true future levels
    restored = pre.restore("a", test.targets(rows), s.level, test.index[:, 1])
    actual = np.stack([s.level[e + 1 : e + 4] for e in test.index[:, 1]])
    np.testing.assert_allclose(restored, actual, rtol=1e-5)
    # a zero output is the seasonal-naive forecast itself
    zero = pre.restore("a", np.zeros((len(test), 3)), s.level, test.index[:, 1])
    np.testing.assert_allclose(zero, [s.level[e + 1 - 7 : e + 4 - 7] for e in test.index[:, 1]])


def test_a_seasonal_residual_needs_the_season_inside_the_window():
    with pytest.raises(ForecastFeatureError, match=r"horizon <= season <= lookback.*lookback 5"):
        featurize(config(featurize={"seasonal_residual": True, "lookback": 5}), daily_raw())
    from pipelines.core.config import ConfigError

    with pytest.raises(ConfigError, match="featurize.returns and featurize.seasonal_residual"):
        config(featurize={"seasonal_residual": True, "returns": True})


def test_training_reads_mapped_arrays_equal_to_the_in_memory_ones(monkeypatch):
    """featurize writes every per-row array once and maps it back
    (`pipelines.core.mapped`); the batches are those of arrays held in memory."""
    from pipelines.core.mapped import is_mapped
    from pipelines.forecast.ingest import ingest

    raw = ingest(config(data={"source": "seattle-weather"}))
    assert is_mapped(raw.series["seattle-weather"].to_numpy())
    cfg = config()
    mapped = featurize(cfg, daily_raw(n=200, series=("a", "b")))
    monkeypatch.setenv("RNNKIT_SCRATCH", "memory")
    held = featurize(cfg, daily_raw(n=200, series=("a", "b")))
    for m, h in zip(mapped.series, held.series, strict=True):
        for name in ("level", "matrix", "target"):
            assert is_mapped(getattr(m, name)) and not is_mapped(getattr(h, name))
            np.testing.assert_array_equal(getattr(m, name), getattr(h, name))
        assert is_mapped(m.frame.to_numpy()) and is_mapped(m.times.to_numpy())
        assert (m.frame.index == h.frame.index).all() and m.frame.equals(h.frame)
    assert is_mapped(mapped.windows["train"].index)
    a = mapped.batches("train", 16, shuffle=True, seed=3)
    b = held.batches("train", 16, shuffle=True, seed=3)
    assert len(a) == len(b) > 3
    for i in range(len(a)):
        for got, want in zip(a[i], b[i], strict=True):
            np.testing.assert_array_equal(got, want)
