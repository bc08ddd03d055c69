"""What gets registered and served: finite metrics only, smoke runs apart, the first
version as champion, a champion moved only by retrain or promote, predict's fallback.

The fake task registers a real model version (no model files: a version whose source
is the run's `model` folder), so each rule is checked against a real sqlite store.
"""

from __future__ import annotations

import json

import mlflow
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core import promotion, tracking
from pipelines.core.runner import NotRegisteredError, run_task
from pipelines.core.types import Report

runner = CliRunner()


@pytest.fixture
def fake(register_fake, task_store, monkeypatch):
    """The fake task in its own store, with a register hook that registers a version;
    ``fake.metrics`` is what its evaluate reports."""
    monkeypatch.setenv("RNNKIT_PROMOTION_SETTLE_S", "0")
    module = register_fake()
    client = task_store("fake")
    module.metrics = {"mae": 1.5, "rmse": 2.0}
    module.evaluate = lambda cfg, trained, features: Report(
        model_metrics=dict(module.metrics), baselines={"naive": {"mae": 2.5}},
        dataset="toy")

    def register(cfg, trained, features, report, run):
        mlflow.log_text("fake", "model/MLmodel")
        name = run.registered_model
        try:
            client.create_registered_model(name)
        except mlflow.exceptions.MlflowException:
            pass  # already there
        client.create_model_version(name, f"runs:/{run.run_id}/model", run_id=run.run_id)

    module.register = register
    module.client = client
    return module


def versions(client, name: str) -> list[str]:
    return sorted((str(v.version) for v in client.search_model_versions(f"name = '{name}'")),
                  key=int)


def champion(client, name: str) -> str | None:
    version = promotion.champion_version(client, name)
    return None if version is None else str(version.version)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), None])
def test_non_finite_test_metrics_register_nothing(fake, tmp_path, bad):
    fake.metrics = {"mae": bad, "rmse": 2.0} if bad is not None else {}
    report = tmp_path / "report.json"
    report.write_text('{"old": true}')
    result = runner.invoke(app, ["run", "fake", "--report", str(report)])
    assert result.exit_code == 1
    assert "no model version was registered" in result.stderr
    assert versions(fake.client, "rnnkit-fake") == []
    assert json.loads(report.read_text()) == {"old": True}  # never overwritten
    run = fake.client.search_runs(
        [fake.client.get_experiment_by_name("rnnkit-fake").experiment_id])[0]
    assert run.info.status == "FINISHED"  # the run itself worked: its NaN is on record
    assert run.data.tags["rnnkit.registered"] == "no"


def test_smoke_runs_never_register_under_the_serving_name(fake):
    smoke = run_task("fake", profile="smoke")
    assert versions(fake.client, "rnnkit-fake-smoke") == ["1"]
    assert smoke.registered_version == "1"
    with pytest.raises(mlflow.exceptions.MlflowException):
        fake.client.get_registered_model("rnnkit-fake")
    run_task("fake")
    assert versions(fake.client, "rnnkit-fake") == ["1"]
    assert champion(fake.client, "rnnkit-fake") == "1"


def test_first_version_becomes_champion_and_later_runs_do_not_move_it(fake):
    run_task("fake")
    assert champion(fake.client, "rnnkit-fake") == "1"
    tags = fake.client.get_model_version("rnnkit-fake", "1").tags
    assert tags["retrain.decision"] == "promoted" and tags["retrain.role"] == "first"
    fake.metrics = {"mae": 0.1, "rmse": 0.2}  # better, but only retrain or promote move it
    run_task("fake")
    assert versions(fake.client, "rnnkit-fake") == ["1", "2"]
    assert champion(fake.client, "rnnkit-fake") == "1"
    assert tracking.serving_model("fake").uri == "models:/rnnkit-fake@champion"


def test_promote_moves_the_champion_and_tags_both(fake):
    run_task("fake")
    run_task("fake")
    done = runner.invoke(app, ["promote", "fake", "2"])
    assert done.exit_code == 0, done.output
    assert "version 1 -> 2" in done.stdout
    assert champion(fake.client, "rnnkit-fake") == "2"
    assert fake.client.get_model_version("rnnkit-fake", "2").tags[
        "retrain.decision"] == "promoted by hand"
    assert fake.client.get_model_version("rnnkit-fake", "1").tags[
        "retrain.decision"] == "replaced by version 2"
    unknown = runner.invoke(app, ["promote", "fake", "7"])
    assert unknown.exit_code == 1 and "has no version '7'; its versions: 1, 2" in unknown.stderr
    assert champion(fake.client, "rnnkit-fake") == "2"


def test_predict_serves_the_champion_and_says_so(fake):
    run_task("fake")
    served = tracking.serving_model("fake")
    assert served.uri == "models:/rnnkit-fake@champion"
    assert "version 1 (alias champion)" in served.note


def test_without_a_champion_alias_the_latest_serves_with_a_warning(fake):
    run_task("fake")
    run_task("fake")
    fake.client.delete_registered_model_alias("rnnkit-fake", tracking.CHAMPION)
    served = tracking.serving_model("fake")
    assert served.uri == "models:/rnnkit-fake/2"
    assert "the latest" in served.note and "no 'champion' alias" in served.note


def test_no_fallback_on_other_errors(fake, monkeypatch, tmp_path):
    with pytest.raises(Exception, match="No model is registered as rnnkit-fake"):
        tracking.serving_model("fake")  # nothing registered: an error, not 'latest'
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with pytest.raises(Exception, match="Cannot read the model registry"):
        tracking.serving_model("fake")


def test_not_registered_error_is_a_user_error(fake):
    fake.metrics = {"mae": float("nan")}
    with pytest.raises(NotRegisteredError, match=r"mae=nan"):
        run_task("fake")
