"""A task defined in its own files only (tests/toy_task/) runs through `rnnkit run`,
`compare`, `predict` and `retrain`, found through $RNNKIT_TASKS: nothing else in the
repository names it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core import tasks

runner = CliRunner()


@pytest.mark.slow
def test_a_toy_task_runs_compares_predicts_and_retrains(task_store, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_TASKS", "toy_task")
    monkeypatch.setenv("RNNKIT_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("RNNKIT_PROMOTION_SETTLE_S", "0")
    assert "reverse" in tasks.task_names()
    client = task_store("reverse")
    listed = runner.invoke(app, ["tasks"])
    assert "reverse    Reverse a short sequence of digits" in listed.stdout

    report = tmp_path / "report.json"
    ran = runner.invoke(app, ["run", "reverse", "--profile", "smoke", "--report", str(report)])
    assert ran.exit_code == 0, ran.output
    data = json.loads(report.read_text())
    assert data["model"]["accuracy"] > data["baselines"]["copy"]["accuracy"] + 0.2, data

    compared = runner.invoke(app, ["compare", "reverse", "--json"])
    assert compared.exit_code == 0, compared.output
    [row] = json.loads(compared.stdout)
    assert row["run_id"] == data["run_id"] and row["test"]["accuracy"] == data["model"]["accuracy"]

    model = "models:/rnnkit-reverse-smoke@champion"  # the first version is the champion
    predicted = runner.invoke(app, ["predict", "reverse", "3 1 4 1 5", "7 7", "--json",
                                      "--model", model])
    assert predicted.exit_code == 1  # the second input is not five digits
    first, second = json.loads(predicted.stdout)
    assert first["input"] == "3 1 4 1 5" and len(first["reversed"].split()) == 5
    assert "is not 5 digits below 10" in second["error"]

    retrained = runner.invoke(app, ["retrain", "reverse", "--profile", "smoke",
                                      "--report", str(tmp_path / "retrain.json")])
    assert retrained.exit_code == 0, retrained.output
    decision = json.loads((tmp_path / "retrain.json").read_text())["retrain"]
    assert decision["metric"] == "accuracy" and decision["champion"]["version"] == "1"
    assert decision["decision"] in ("promoted", "kept_champion")
    versions = client.search_model_versions("name = 'rnnkit-reverse-smoke'")
    assert sorted(str(v.version) for v in versions) == ["1", "2"]
