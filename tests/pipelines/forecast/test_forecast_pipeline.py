"""End to end: smoke runs through the real runner and MLflow (a real `mlflow server`
is exercised by tests/pipelines/test_retrain_server.py)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from pipelines.core.runner import run_task
from pipelines.core.serving import task_model
from pipelines.forecast.serving import forecast_values
from serve_testing import call, free_port

DATA_HOME = Path(os.environ.get("RNNKIT_DATA_HOME", "data/raw"))
NEEDS = {
    "beijing": "beijing_multisite_air_quality/beijing_multisite_air_quality_2013_2017.csv.gz",
    "sp500": "sp500_stocks_5yr/all_stocks_5yr.csv.gz",
    "jena": "jena_mpi_roof_2024_sample/mpi_roof_2024_jun-oct.csv.gz",
}
METRICS = {"mae", "rmse", "smape", "mase"}


@pytest.fixture
def forecast_store(task_store):
    return task_store("forecast")


def user_csv(tmp_path):
    index = pd.date_range("2021-01-01", periods=400, freq="h")
    t = np.arange(400)
    frame = pd.DataFrame({
        "when": index.strftime("%Y-%m-%d %H:%M"),
        "load": 50 + 10 * np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 1, 400),
        "temp": 5 + np.cos(2 * np.pi * t / 24),
    })
    path = tmp_path / "load.csv"
    frame.to_csv(path, index=False)
    return path


def source_args(source, tmp_path):
    if source in NEEDS and not (DATA_HOME / NEEDS[source]).exists():
        pytest.skip(f"data home lacks {DATA_HOME / NEEDS[source]}")
    if source == "csv":
        return [f"data.source=csv:{user_csv(tmp_path)}", "data.time_column=when",
                "data.target=load", "data.features=[temp]"]
    extra = {"beijing": ["featurize.lookback=24", "featurize.horizon=6",
                         "data.covariate_series=[Changping]"],
             "jena": ["featurize.lookback=24", "featurize.horizon=6"]}
    return [f"data.source={source}", *extra.get(source, [])]


# one run per kind of input: hourly stations with covariates, many tickers, a user's CSV
# (msft and jena read like these: test_forecast_ingest); the default source, a daily single
# series, runs end to end in test_cli_run_and_predict and test_default_profile_beats_...
@pytest.mark.parametrize("source", ["beijing", "sp500", "csv"])
def test_smoke_run_logs_report_metrics_and_a_model_that_reloads(source, tmp_path,
                                                                forecast_store):
    report_path = tmp_path / "report.json"
    result = run_task("forecast", "smoke", source_args(source, tmp_path), report_path)
    report = json.loads(report_path.read_text())
    assert report["task"] == "forecast" and report["run_id"] == result.run_id
    assert METRICS <= set(report["model"])
    assert {"naive", "seasonal_naive", "ets"} <= set(report["baselines"])
    assert all(METRICS <= set(m) for m in report["baselines"].values())
    assert set(report["durations_s"]) >= {"ingest", "featurize", "train", "evaluate"}

    run = forecast_store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["test/mae"] == pytest.approx(report["model"]["mae"])
    assert run.data.metrics["baseline/naive/test/mae"] == pytest.approx(
        report["baselines"]["naive"]["mae"])
    artifacts = {a.path for a in forecast_store.list_artifacts(result.run_id, "figures")}
    assert "figures/forecast_vs_actual.png" in artifacts

    versions = forecast_store.search_model_versions(f"run_id='{result.run_id}'")
    assert [v.name for v in versions] == ["rnnkit-forecast-smoke"]
    model = mlflow.pyfunc.load_model(f"runs:/{result.run_id}/model")
    example = model.input_example
    reloaded = model.predict(example)
    trained = task_model(model)
    again = forecast_values(trained.model, trained.preprocessor, example)
    np.testing.assert_allclose(reloaded[0]["forecast"], again, rtol=1e-6)
    assert len(reloaded) == 1 and len(again) == run_horizon(run)


def run_horizon(run):
    return int(run.data.tags["horizon"])


def test_a_failed_run_keeps_the_previous_report(tmp_path, forecast_store):
    report_path = tmp_path / "report.json"
    report_path.write_text('{"kept": true}')
    bad = tmp_path / "bad.csv"
    bad.write_text("when,load\n2021-01-01,1\nnot a date,2\n")
    with pytest.raises(Exception, match="not a date"):
        run_task("forecast", "smoke", [f"data.source=csv:{bad}", "data.time_column=when",
                                       "data.target=load"], report_path)
    assert json.loads(report_path.read_text()) == {"kept": True}


@pytest.mark.slow
def test_cli_run_and_predict(tmp_path, forecast_store):
    from typer.testing import CliRunner

    from pipelines.cli import app

    cli = CliRunner()
    report = tmp_path / "r.json"
    ran = cli.invoke(app, ["run", "forecast", "--profile", "smoke", "--report", str(report)])
    assert ran.exit_code == 0, ran.output
    assert "| model |" in ran.output and "| naive |" in ran.output
    run_id = json.loads(report.read_text())["run_id"]
    model = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    recent = tmp_path / "recent.csv"
    model.input_example.to_csv(recent, index=False)
    short = tmp_path / "short.csv"
    model.input_example.iloc[:3].to_csv(short, index=False)
    predicted = cli.invoke(app, ["predict", "forecast", str(recent), str(short),
                                 str(tmp_path / "gone.csv"), "--json",
                                 "--model", f"runs:/{run_id}/model"])
    assert predicted.exit_code == 1, predicted.output  # two of the three inputs failed
    result = json.loads(predicted.stdout.strip().splitlines()[-1])
    expected = model.predict(model.input_example)[0]["forecast"]
    assert result[0]["input"] == str(recent)
    assert result[0]["forecast"] == pytest.approx(expected)
    for band in result[0]["intervals"].values():  # the run's conformal levels, 80 and 95
        assert all(lo < f < hi for lo, f, hi in zip(band["lower"], expected, band["upper"],
                                                    strict=True))
    assert set(result[0]["intervals"]) == {"80", "95"}
    assert result[1]["input"] == str(short) and "lookback" in result[1]["error"]
    assert "gone.csv" in result[2]["error"]
    assert "2 of 3 inputs failed" in predicted.stderr

    # `rnnkit serve` (a real process) answers the README's request with the same forecast
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "serve", "forecast", "--model",
         f"runs:/{run_id}/model", "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:  # model loaded, app listening
            if "listening on" in line or server.poll() is not None:
                break
        url = f"http://127.0.0.1:{port}"
        assert call(f"{url}/ping")[0] == 200
        split = json.loads(pd.read_csv(recent).to_json(orient="split", index=False))
        status, served = call(f"{url}/invocations", {"dataframe_split": split})
        assert status == 200
        assert served == {"predictions": [{k: result[0][k] for k in ("forecast", "intervals")}]}
        status, refused = call(f"{url}/invocations", "not json")
        assert status == 400 and {"error_code", "message"} <= set(refused)
        assert "stack_trace" not in refused and "valid JSON" in refused["message"]
        status, refused = call(f"{url}/invocations", "a,b\n1,2", content_type="text/plain")
        assert status == 415 and "content types" in refused["message"]
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) in (0, 128 + signal.SIGTERM)  # a clean stop
    bad = cli.invoke(app, ["run", "forecast", "--profile", "smoke", "model.cel=gru"])
    assert bad.exit_code == 1 and "model.cel" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_default_profile_beats_the_naive_forecast_on_real_weather(forecast_store):
    """`make forecast`'s job: real Seattle data, the model under the last-value MAE, and
    its conformal intervals covering the test period within 3 points of nominal."""
    result = run_task("forecast", "default", ["evaluate.statistical=none"])
    model, naive = result.report["model"]["mae"], result.report["baselines"]["naive"]["mae"]
    assert model < naive, (model, naive)
    for level in ("80", "95"):
        coverage = result.report["model"][f"coverage_{level}"]
        assert abs(coverage - int(level) / 100) <= 0.03, (level, coverage)
