"""The stage runner with a fake task and a temporary MLflow store."""

from __future__ import annotations

import json

import pytest

from pipelines.core.errors import ConfigError, DataMissingError, StageError
from pipelines.core.runner import run_task


def test_stages_run_in_order_in_one_logged_run(register_fake, mlflow_store, tmp_path):
    module = register_fake()
    report_path = tmp_path / "out" / "report.json"
    lines: list[str] = []
    result = run_task(
        "fake", "smoke", ["model.units=3"], report_path=report_path, echo=lines.append
    )
    assert module.calls == ["ingest", "featurize", "train", "evaluate", "register"]
    assert any("train done" in line for line in lines)

    run = mlflow_store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["train.epochs"] == "1"  # the smoke profile
    assert run.data.params["model.units"] == "3"  # the override
    metrics = run.data.metrics
    for stage in ("ingest", "featurize", "train", "evaluate", "register"):
        assert metrics[f"duration_s/{stage}"] >= 0
    assert metrics["test/mae"] == 1.5 and metrics["baseline/naive/test/rmse"] == 3.0
    assert metrics["throughput/train_examples_per_s"] == 100.0
    tags = run.data.tags
    assert tags["task"] == "fake" and tags["profile"] == "smoke" and tags["dataset"] == "toy"
    assert tags["cell"] == "gru" and tags["registered"] == "yes"

    artifacts = {a.path for a in mlflow_store.list_artifacts(result.run_id)}
    assert {"config.yaml", "report.json", "scaler.json", "figures", "tables"} <= artifacts
    figures = {a.path for a in mlflow_store.list_artifacts(result.run_id, "figures")}
    assert figures == {"figures/forecast.png"}

    saved = json.loads(report_path.read_text())
    assert saved == result.report
    assert saved["task"] == "fake" and saved["run_id"] == result.run_id
    assert saved["profile"] == "smoke" and saved["dataset"] == "toy"
    assert saved["model"] == {"mae": 1.5, "rmse": 2.0}
    assert saved["baselines"] == {"naive": {"mae": 2.5, "rmse": 3.0}}
    assert set(saved["durations_s"]) >= {"ingest", "featurize", "train", "evaluate"}


@pytest.mark.parametrize("stage", ["ingest", "train", "register"])
def test_failing_stage_marks_run_failed_and_keeps_old_report(
    register_fake, mlflow_store, tmp_path, stage
):
    module = register_fake(fail_at=stage)
    report_path = tmp_path / "report.json"
    report_path.write_text('{"previous": true}')
    with pytest.raises(StageError) as info:
        run_task("fake", "smoke", report_path=report_path)
    err = info.value
    assert err.stage == stage and f"'{stage}'" in str(err) and "boom" in str(err)
    assert isinstance(err.__cause__, RuntimeError) and not err.is_user_error
    assert module.calls[-1] == stage
    assert mlflow_store.get_run(err.run_id).info.status == "FAILED"
    assert json.loads(report_path.read_text()) == {"previous": True}


def test_user_error_in_a_stage_keeps_its_cause(register_fake, mlflow_store):
    register_fake(fail_at="ingest", user_error=True)
    with pytest.raises(StageError) as info:
        run_task("fake", "smoke")
    assert info.value.is_user_error and isinstance(info.value.__cause__, DataMissingError)


def test_config_error_happens_before_any_run(register_fake, mlflow_store, fake_runs):
    module = register_fake()
    before = len(fake_runs())
    with pytest.raises(ConfigError, match="train.epochz"):
        run_task("fake", "smoke", ["train.epochz=3"])
    with pytest.raises(ConfigError, match="device"):
        run_task("fake", "smoke", device="quantum")
    assert len(fake_runs()) == before and module.calls == []


def test_report_path_that_is_a_directory_fails_early(register_fake, mlflow_store, tmp_path):
    module = register_fake()
    with pytest.raises(ConfigError, match="is a directory"):
        run_task("fake", report_path=tmp_path)
    assert module.calls == []
