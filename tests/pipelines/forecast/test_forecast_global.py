"""One model over many series: series held out of training, the series embedding through
featurize, training and serving, and the model refit through the test period."""

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from forecast_fixtures import config, daily_raw
from pipelines.core.runner import run_task
from pipelines.core.serving import task_model
from pipelines.forecast import refit
from pipelines.forecast.evaluate import model_outputs
from pipelines.forecast.featurize import featurize
from pipelines.forecast.preprocess import ForecastFeatureError
from pipelines.forecast.train import train

SERIES = ("a", "b", "c", "d")


def global_config(**sections):
    return config(model={"units": 8, "series_embedding": 2},
                  evaluate={"holdout_series": 1, **sections.pop("evaluate", {})}, **sections)


def test_a_held_out_series_has_only_its_test_windows_and_reads_the_unseen_row():
    features = featurize(global_config(), daily_raw(series=SERIES))
    [held] = features.holdout
    sid = SERIES.index(held)
    for split in ("train", "val", "test"):
        assert sid not in features.windows[split].index[:, 0]
    other = next(i for i in range(len(SERIES)) if i != sid)
    holdout, test = features.windows["holdout"].index, features.windows["test"].index
    assert set(holdout[:, 0]) == {sid}
    np.testing.assert_array_equal(holdout[:, 1], test[test[:, 0] == other, 1])  # same period
    pre = features.preprocessor
    assert held not in pre.series_index and sorted(pre.series_index.values()) == [0, 1, 2]
    assert held in pre.mean  # scaled by its own history before the test period
    x, = features.batches("holdout", 8, with_targets=False)[0]
    assert set(x["series"]) == {3}  # the unseen-series row
    assert set(features.batches("train", 512)[0][0]["series"]) == {0, 1, 2}


def test_holding_out_every_series_is_refused_before_training():
    with pytest.raises(ForecastFeatureError, match=r"holdout_series = 2 .* 2 series \(a, b\)"):
        featurize(config(evaluate={"holdout_series": 2}), daily_raw(series=("a", "b")))


def test_a_refit_learns_only_from_windows_observed_at_its_origin():
    features = featurize(config(), daily_raw(n=200, series=("a", "b")))
    origin = np.unique(features.times_at(features.windows["test"].index))[10]
    seen = refit._observed(features, origin)
    every = np.concatenate([features.windows[s].index for s in ("train", "val", "test")])
    known = features.times_at(every, 3) <= origin  # horizon 3: the last target observed
    assert np.all(features.times_at(seen.index, 3) <= origin)
    assert len(seen) == known.sum() > len(features.windows["train"]) + len(
        features.windows["val"])


def test_refit_forecasts_match_the_model_until_the_first_refit_then_move():
    cfg = config(evaluate={"refit_every": 8, "refit_epochs": 2},
                 train={"epochs": 2, "batch_size": 16})
    features = featurize(cfg, daily_raw(n=240, series=("a", "b")))
    trained = train(cfg, features)
    frozen = model_outputs(trained.model, features)
    before = trained.model.get_weights()
    moved, refits = refit.refit_outputs(cfg, trained, features, model_outputs)
    origins = features.times_at(features.windows["test"].index)
    first = origins < np.unique(origins)[8]
    assert refits == int(np.ceil(len(np.unique(origins)) / 8)) - 1
    np.testing.assert_allclose(moved[first], frozen[first], rtol=1e-5)
    assert np.abs(moved[~first] - frozen[~first]).max() > 1e-4
    for kept, now in zip(before, trained.model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)  # the registered model is untouched


def _sites_csv(path, n=400):
    t = np.arange(n)
    frames = [pd.DataFrame({"when": pd.date_range("2021-01-01", periods=n, freq="h"),
                            "site": name, "load": 50 + amp * np.sin(2 * np.pi * t / 24)
                            + np.random.default_rng(i).normal(0, 1, n)})
              for i, (name, amp) in enumerate(zip(SERIES, (5, 10, 15, 20), strict=True))]
    pd.concat(frames).to_csv(path, index=False)
    return frames


def test_a_global_run_reports_held_out_series_apart_and_serves_them(tmp_path, task_store):
    store = task_store("forecast")
    frames = _sites_csv(tmp_path / "sites.csv")
    result = run_task("forecast", "smoke", [
        f"data.source=csv:{tmp_path / 'sites.csv'}", "data.time_column=when",
        "data.target=load", "data.series_column=site", f"data.series=[{','.join(SERIES)}]",
        "evaluate.statistical=none", "model.series_embedding=3", "evaluate.holdout_series=1",
        "evaluate.refit_every=20"])
    metrics = store.get_run(result.run_id).data.metrics
    assert {"holdout/mae", "holdout/mase", "baseline/naive/holdout/mase",
            "holdout/share_of_series_beating_naive", "refits"} <= set(metrics)
    assert metrics["refits"] > 0
    table = Path(store.download_artifacts(result.run_id, "tables/per_series.md", tmp_path))
    rows = {r.split("|")[1].strip(): r.split("|")[2].strip()
            for r in table.read_text().splitlines()[2:] if r.startswith("| ")}
    held = [name for name, trained_on in rows.items() if trained_on == "no"]
    assert len(held) == 1 and len(rows) == 4
    summary = Path(store.download_artifacts(result.run_id, "summary.md", tmp_path)).read_text()
    assert f"Held out of training and validation entirely: {held[0]} (1 series" in summary
    # served by name: a trained series through its own scaler and embedding row, the
    # held-out one through its own scaler and the unseen-series row
    loaded = mlflow.pyfunc.load_model(f"runs:/{result.run_id}/model")
    inner = task_model(loaded)
    pre = inner.preprocessor
    answers = {}
    for name in (held[0], SERIES[-1] if held[0] != SERIES[-1] else SERIES[1]):
        recent = (frames[SERIES.index(name)].drop(columns="site").tail(80)
                  .rename(columns={"when": "time"}).astype({"time": str}))
        answers[name] = loaded.predict(recent, params={"series": name})[0]["forecast"]
        rows = recent.set_index(pd.DatetimeIndex(recent.pop("time")))
        x = pre.scale(name, pre.matrix(rows))[-pre.lookback:][None]
        row = pre.series_index.get(name, len(pre.series_index))
        expected = pre.unscale_target(name, inner.model.predict(
            {"window": x, "series": np.array([row])}, verbose=0)[0])
        np.testing.assert_allclose(answers[name], expected, rtol=1e-5)
    assert pre.series_id(held[0]) == 3


@pytest.mark.parametrize("featurize_options", [{"seasonal_residual": True}, {}])
def test_serving_forecasts_the_last_window_as_evaluate_does(featurize_options):
    from pipelines.forecast.serving import forecast_answer
    from pipelines.forecast.train import build_model

    cfg = config(featurize=featurize_options, model={"units": 4, "series_embedding": 2})
    features = featurize(cfg, daily_raw(n=150, series=("a", "b")))
    pre = features.preprocessor
    model = build_model(cfg, pre.lookback, features.series[0].matrix.shape[1], pre.horizon, 2)
    test = features.windows["test"]
    last = int(np.flatnonzero(test.index[:, 0] == 1)[-1])  # series b's last test window
    expected = model_outputs(model, features)[last]
    end = test.index[last, 1]
    frame = features.series[1].frame.iloc[end - pre.lookback - 5 : end + 1]
    answer = forecast_answer(model, pre, frame, "b")
    np.testing.assert_allclose(answer["forecast"], expected, rtol=1e-5)
