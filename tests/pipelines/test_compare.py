"""rnnkit compare: finished runs ranked best first, numbers as in the store."""

import json

import mlflow
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.compare import compare_runs
from pipelines.core.errors import RnnkitUserError
from store_testing import store_at


@pytest.fixture
def store(tmp_path, monkeypatch):
    uri = store_at(tmp_path / "mlflow.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("rnnkit-forecast",
                                          artifact_location=(tmp_path / "a").as_uri())
    ids = {}
    for cell, mae, status in [("gru", 3.0, "FINISHED"), ("leaky", 1.0, "FINISHED"),
                              ("elman", 2.0, "FINISHED"), ("lstm", 0.5, "FAILED")]:
        run = client.create_run(experiment, tags={"cell": cell, "dataset": "toy"})
        client.log_metric(run.info.run_id, "test_mae", mae)
        client.log_metric(run.info.run_id, "test_mae_last_step", mae + 1)
        client.log_metric(run.info.run_id, "baseline_seasonal_naive_mae", 2.5)
        client.log_metric(run.info.run_id, "baseline_seasonal_naive_mae_last_step", 3.5)
        client.log_param(run.info.run_id, "model.cell", cell)
        client.set_terminated(run.info.run_id, status)
        ids[cell] = run.info.run_id
    return ids


def test_best_first_with_the_numbers_of_the_store(store):
    rows = compare_runs("forecast")
    assert [r["cell"] for r in rows] == ["leaky", "elman", "gru"]  # FAILED run left out
    assert [r["test"]["mae"] for r in rows] == [1.0, 2.0, 3.0]
    assert rows[0]["run_id"] == store["leaky"]
    assert rows[0]["baselines"] == {"seasonal_naive": {"mae": 2.5, "mae_last_step": 3.5}}
    assert [r["cell"] for r in compare_runs("forecast", "mae_last_step", top=2)] == [
        "leaky", "elman"]


def test_cli_table_and_json(store):
    cli = CliRunner()
    table = cli.invoke(app, ["compare", "forecast"])
    assert table.exit_code == 0
    lines = table.stdout.strip().splitlines()
    assert lines[1].split()[1] == "leaky" and "seasonal_naive 2.5" in lines[1]
    assert lines[3].lstrip().startswith("!")  # gru (3.0) does not beat seasonal naive 2.5
    assert "! does not beat its best baseline on mae (lower is better)" in table.stdout
    listed = json.loads(cli.invoke(app, ["compare", "forecast", "--json", "--top", "1"]).stdout)
    assert [r["run_id"] for r in listed] == [store["leaky"]]


def test_the_champion_is_marked_and_no_column_is_cut(store):
    client = mlflow.MlflowClient()
    long_name = "csv:/data/a-very-long-folder-name/with-a-long-file-name-2024.csv"
    client.set_tag(store["elman"], "dataset", long_name)
    client.create_registered_model("rnnkit-forecast")
    client.create_model_version("rnnkit-forecast", "runs:/x/model", run_id=store["elman"])
    client.set_registered_model_alias("rnnkit-forecast", "champion", "1")
    rows = compare_runs("forecast")
    assert [r["champion"] for r in rows] == ["", "rnnkit-forecast v1", ""]
    assert [r["beats_baseline"] for r in rows] == [True, True, False]
    table = CliRunner().invoke(app, ["compare", "forecast"]).stdout
    assert long_name in table  # printed whole
    elman = next(line for line in table.splitlines() if "elman" in line)
    assert elman.lstrip().startswith("*")
    assert f"* champion: {store['elman'][:8]} = rnnkit-forecast v1" in table


def test_no_runs_yet(store):
    with pytest.raises(RnnkitUserError, match="rnnkit run speech"):
        compare_runs("speech")


def test_nan_ranks_last_and_is_marked(store, tmp_path):
    """A broken run (NaN sMAPE, or no such metric) never ranks first, on any metric."""
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name("rnnkit-forecast").experiment_id
    broken = client.create_run(experiment, tags={"cell": "broken", "dataset": "toy"})
    client.log_metric(broken.info.run_id, "test_mae", float("nan"))
    client.log_metric(broken.info.run_id, "test_smape", float("nan"))
    client.set_terminated(broken.info.run_id, "FINISHED")
    for cell, value in (("gru", 9.0), ("leaky", 3.0)):
        client.log_metric(store[cell], "test_smape", value)
    ranked = compare_runs("forecast", "smape")
    assert [r["cell"] for r in ranked] == ["leaky", "gru", "broken", "elman"]
    assert [r["rank_note"] for r in ranked] == ["", "", "NaN", "no such metric"]
    assert compare_runs("forecast", "mae")[-1]["cell"] == "broken"
    table = CliRunner().invoke(app, ["compare", "forecast", "--metric", "smape"])
    assert table.exit_code == 0, table.output
    last_lines = table.stdout.strip().splitlines()[-2:]
    assert "broken" in last_lines[0] and "NaN" in last_lines[0]
