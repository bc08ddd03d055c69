"""Conformal intervals and quantile forecasts: the arithmetic against hand counts, the
coverage guarantee on exchangeable data, no peeking at unobserved outcomes, and a run
that logs them and a model that serves them."""

import json
import math
from pathlib import Path
from types import SimpleNamespace

import keras
import mlflow
import numpy as np
import pandas as pd
import pytest

from pipelines.core.config import ConfigError, load_config
from pipelines.core.runner import run_task
from pipelines.forecast import conformal
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.metrics import quantile_metrics
from pipelines.forecast.preprocess import Preprocessor
from pipelines.forecast.serving import ForecastModel

CONFIG = Path(__file__).parents[3] / "pipelines" / "forecast" / "config.yaml"


def test_score_quantile_is_the_ceil_n_plus_1_alpha_th_smallest():
    scores = np.arange(1.0, 10.0)[::-1, None]  # 9 scores, 9 … 1
    q = conformal.score_quantiles(scores, [0.5, 0.8, 0.95])
    assert q[:, 0].tolist() == [5.0, 8.0, math.inf]  # ⌈5⌉, ⌈8⌉, ⌈9.5⌉ = 10 > 9


def test_coverage_holds_on_exchangeable_data():
    """Split conformal's guarantee: α ≤ coverage ≤ α + 1/(n + 1) in expectation."""
    rng = np.random.default_rng(0)
    covered = []
    for _ in range(400):
        errors = rng.standard_t(3, size=(60, 2)) * [1.0, 3.0]  # heavy tails, two steps
        half = conformal.score_quantiles(np.abs(errors[:39]), [0.8])
        covered.append(np.mean(np.abs(errors[39:]) <= half))
    assert 0.8 - 0.01 <= np.mean(covered) <= 0.8 + 1 / 40 + 0.01


def test_rolling_calibration_uses_only_outcomes_known_at_the_origin():
    pool = np.ones((20, 1))
    pool[15:] = 100.0  # later forecasts were terrible ...
    known = np.arange(20)  # ... and their outcomes arrive at times 15..19
    origins = np.array([10, 14, 15, 19])
    half = conformal.rolling_quantiles(pool, known, origins, [0.8], window=10)
    assert half[0, :, 0].tolist()[:2] == [1.0, 1.0]  # not yet observed: no effect
    assert half[0, 3, 0] == 100.0  # five of the last ten are now 100: the 80% quantile
    exact = [conformal.score_quantiles(pool[: o + 1][-10:], [0.8])[0, 0] for o in origins]
    assert half[0, :, 0].tolist() == exact  # few origins: recalibrated at each one


def test_interval_metrics_count_inside_and_width_in_original_units():
    actual = np.array([[1.0], [2.0], [10.0], [4.0]])
    forecast = np.array([[1.5], [2.0], [3.0], [4.9]])
    scale = np.array([1.0, 1.0, 1.0, 2.0])
    out = conformal.interval_metrics(actual, forecast, scale, np.array([[0.5]]), [0.8])
    assert out == {"coverage_80": 0.75, "width_80": pytest.approx((1 + 1 + 1 + 2) / 4)}
    assert math.isnan(conformal.interval_metrics(actual, forecast * np.nan, scale,
                                                 np.array([[0.5]]), [0.8])["coverage_80"])


def test_calibration_round_trips_and_puts_bands_around_a_forecast(tmp_path):
    calibration = conformal.Calibration([0.8, 0.95], [[1.0, 2.0], [2.0, 3.0]], {"a": 0.5})
    loaded = conformal.Calibration.load(calibration.save(tmp_path / "c.json"))
    assert loaded == calibration
    bands = loaded.intervals([10.0, 20.0], "a")
    assert bands == {"80": {"lower": [9.5, 19.0], "upper": [10.5, 21.0]},
                     "95": {"lower": [9.0, 18.5], "upper": [11.0, 21.5]}}


def test_quantile_metrics_match_numpy():
    rng = np.random.default_rng(1)
    actual = rng.normal(size=(50, 3))
    q = np.sort(rng.normal(size=(50, 3, 3)), -1)
    out = quantile_metrics(actual, q, (0.1, 0.5, 0.9))
    e = actual - q[..., 0]
    assert out["pinball_0.1"] == pytest.approx(np.mean(np.maximum(0.1 * e, -0.9 * e)))
    inside = (actual >= q[..., 0]) & (actual <= q[..., 2])
    assert out["quantile_coverage_80"] == pytest.approx(inside.mean())
    assert out["quantile_width_80"] == pytest.approx(np.mean(q[..., 2] - q[..., 0]))


@pytest.mark.parametrize("override, message", [
    ("model.quantiles=[0.9,0.1]", "model.quantiles' must be strictly increasing"),
    ("model.quantiles=[0,0.5]", "model.quantiles' must be strictly increasing"),
    ("evaluate.interval=1.2", "evaluate.interval' must be coverages in (0, 1)"),
    ("evaluate.interval=[0.95,0.8]", "evaluate.interval' must be coverages"),
])
def test_bad_levels_are_refused_when_the_config_is_built(override, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(ForecastConfig, CONFIG, "default", [override])


def test_quantiles_of_log_returns_are_refused():
    with pytest.raises(ConfigError, match="featurize.returns"):
        load_config(ForecastConfig, CONFIG, "default",
                    ["model.quantiles=[0.1,0.9]", "featurize.returns=true"])
    one = load_config(ForecastConfig, CONFIG, "default", ["evaluate.interval=0.9"])
    assert one.evaluate.interval == [0.9]


def test_a_model_saved_before_intervals_loads_and_serves_without_them(tmp_path):
    model = keras.Sequential([keras.Input((2, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.save(tmp_path / "model.keras")
    pre = Preprocessor(target="y", features=[], calendar=False, lookback=2, horizon=1,
                       columns=["y"], mean={"s": [0.0]}, std={"s": [1.0]})
    pre.save(tmp_path / "pre.json")
    served = ForecastModel()
    served.load_context(SimpleNamespace(artifacts={
        "model": str(tmp_path / "model.keras"), "preprocessor": str(tmp_path / "pre.json")}))
    assert served.calibration is None
    rows = {"time": ["2024-01-01", "2024-01-02", "2024-01-03"], "y": [1.0, 2.0, 3.0]}
    answer = served.predict(None, pd.DataFrame(rows))
    assert set(answer[0]) == {"forecast"}


@pytest.mark.slow
def test_a_quantile_run_reports_pinball_coverage_and_serves_bands(tmp_path, task_store):
    store = task_store("forecast")
    report_path = tmp_path / "report.json"
    result = run_task("forecast", "smoke", ["model.quantiles=[0.1,0.5,0.9]"], report_path)
    report = json.loads(report_path.read_text())
    model = report["model"]
    assert {"pinball_0.1", "pinball_0.5", "pinball_0.9", "quantile_coverage_80",
            "quantile_width_80", "coverage_80", "width_80", "coverage_95"} <= set(model)
    # the baselines get intervals the same way; the naive forecast does not depend on the
    # model, so its real-data coverage is a check of the calibration itself
    for name in ("naive", "seasonal_naive"):
        for level in (80, 95):
            coverage = report["baselines"][name][f"coverage_{level}"]
            assert abs(coverage - level / 100) <= 0.03, (name, level, coverage)
    summary = Path(store.download_artifacts(result.run_id, "summary.md", tmp_path)).read_text()
    assert "| 80% coverage | 80% width |" in summary
    loaded = mlflow.pyfunc.load_model(f"runs:/{result.run_id}/model")
    answer = loaded.predict(loaded.input_example)[0]
    q = np.array([answer["quantiles"][k] for k in ("0.1", "0.5", "0.9")])
    assert np.all(np.diff(q, axis=0) > 0)  # never crossing
    assert answer["forecast"] == q[1].tolist()  # the median is the point forecast
    band = answer["intervals"]["80"]
    assert band["lower"][0] < answer["forecast"][0] < band["upper"][0]
    figures = {a.path for a in store.list_artifacts(result.run_id, "figures")}
    assert "figures/interval_coverage.png" in figures


def test_a_run_over_several_series_reports_each_and_the_share_beating_naive(tmp_path,
                                                                          task_store):
    store = task_store("forecast")
    t = np.arange(300)
    frames = [pd.DataFrame({"when": pd.date_range("2021-01-01", periods=300, freq="h"),
                            "site": name, "load": 50 + amp * np.sin(2 * np.pi * t / 24)
                            + np.random.default_rng(i).normal(0, 1, 300)})
              for i, (name, amp) in enumerate([("a", 5), ("b", 10), ("c", 20)])]
    path = tmp_path / "sites.csv"
    pd.concat(frames).to_csv(path, index=False)
    result = run_task("forecast", "smoke", [
        f"data.source=csv:{path}", "data.time_column=when", "data.target=load",
        "data.series_column=site", "data.series=[a,b,c]", "evaluate.statistical=none"])
    table = Path(store.download_artifacts(result.run_id, "tables/per_series.md", tmp_path))
    rows = [line for line in table.read_text().splitlines() if line.startswith("| ")][1:]
    assert [r.split("|")[1].strip() for r in rows] == ["a", "b", "c"]
    wins = sum(r.rstrip(" |").endswith("yes") for r in rows)
    metrics = store.get_run(result.run_id).data.metrics
    share = next(v for k, v in metrics.items() if k.endswith("share_of_series_beating_naive"))
    assert share == pytest.approx(wins / 3)


def test_diebold_mariano_matches_the_formula_and_tells_a_real_edge_from_noise():
    from pipelines.forecast.significance import diebold_mariano

    rng = np.random.default_rng(3)
    a, b = rng.exponential(size=200), rng.exponential(size=200)
    stat, p = diebold_mariano(a, b, horizon=1)  # no overlap: no lags
    d = a - b
    se = np.sqrt(np.mean((d - d.mean()) ** 2) / len(d))  # DM: γ̂_0 = (1/n) Σ (d - d̄)²
    assert stat == pytest.approx(d.mean() / se, rel=1e-6)
    assert p == pytest.approx(math.erfc(abs(stat) / math.sqrt(2)), rel=1e-6)
    better, p_better = diebold_mariano(0.8 * b, b, horizon=1)
    assert better < 0 and p_better < 0.01
    assert math.isnan(diebold_mariano(b, b, horizon=1)[1])


def test_a_run_states_whether_its_edge_over_naive_is_significant(tmp_path, task_store):
    store = task_store("forecast")
    result = run_task("forecast", "smoke", ["data.source=sp500", "data.series=[AAPL,MSFT]",
                                            "evaluate.statistical=none"])
    table = Path(store.download_artifacts(result.run_id, "tables/diebold_mariano.md",
                                          tmp_path)).read_text()
    assert "| AAPL |" in table and "| MSFT |" in table and "| all (mean per origin) |" in table
    summary = Path(store.download_artifacts(result.run_id, "summary.md", tmp_path)).read_text()
    assert "Diebold–Mariano" in summary and "the naive forecast (DM" in summary
    metrics = store.get_run(result.run_id).data.metrics
    p = next(v for k, v in metrics.items() if k.endswith("dm_vs_naive_p"))
    assert 0 <= p <= 1
