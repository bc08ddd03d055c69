"""The rnnkit command through typer's CliRunner: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.errors import StageError

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, code: int, *parts: str) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()  # progress lines may come first
    assert lines[-1].startswith("rnnkit: error: ")  # the message: one paragraph, last
    assert sum(line.startswith("rnnkit: error") for line in lines) == 1
    assert "Traceback" not in result.stderr + result.stdout
    for part in parts:
        assert part in lines[-1], (part, result.stderr)


def test_tasks_lists_every_task_found_and_a_broken_one(register_fake, monkeypatch):
    monkeypatch.setenv("RNNKIT_TASKS", "no_such_task_package")  # a broken out-of-tree task
    register_fake()
    result = invoke("tasks")
    assert result.exit_code == 0
    assert "no_such_task_package cannot load: ModuleNotFoundError" in result.stdout
    assert "fake       A fake task." in result.stdout and "profiles: smoke, default, full" in (
        result.stdout)
    for name in ("forecast", "speech", "sentiment", "translate"):
        assert f"\n{name:<10} " in result.stdout
    assert "metric:   mae (lower is better)" in result.stdout
    assert "metric:   bleu (higher is better)" in result.stdout


def test_run_prints_table_and_writes_report(register_fake, mlflow_store, tmp_path):
    register_fake()
    report = tmp_path / "report.json"
    result = invoke("run", "fake", "--profile", "smoke", "model.units=2", "--report", str(report))
    assert result.exit_code == 0, result.stderr
    data = json.loads(report.read_text())
    assert data["profile"] == "smoke" and f"run_id: {data['run_id']}" in result.stdout
    assert "model beats naive" in result.stdout  # the task's summary table
    assert "[fake] evaluate done" in result.stderr  # progress goes to stderr


def test_bad_override_is_one_paragraph_exit_1(register_fake, mlflow_store):
    register_fake()
    result = invoke("run", "fake", "train.epochs=lots")
    assert_user_error(result, 1, "train.epochs", "'lots'", "an integer")


def test_user_error_inside_a_stage(register_fake, mlflow_store):
    register_fake(fail_at="ingest", user_error=True)
    result = invoke("run", "fake")
    assert_user_error(result, 1, "Stage 'ingest'", "marked FAILED", "/nowhere/toy.csv")


def test_bug_inside_a_stage_hints_debug(register_fake, mlflow_store):
    register_fake(fail_at="train")
    result = invoke("run", "fake")
    assert_user_error(result, 1, "Stage 'train'", "boom in train", "--debug")
    debug = invoke("run", "fake", "--debug")
    assert debug.exit_code == 1 and isinstance(debug.exception, StageError)
    assert isinstance(invoke("--debug", "run", "fake").exception, StageError)


def test_unknown_tasks(monkeypatch):
    assert_user_error(invoke("run", "forcast"), 1, "Unknown task 'forcast'", "forecast")
    assert_user_error(invoke("predict", "later", "hello"), 1, "Unknown task 'later'")


def test_predict_json_in_input_order(register_fake, tmp_path):
    register_fake()
    inputs = tmp_path / "inputs.txt"
    inputs.write_text("third\n\nfourth\n")
    result = invoke("predict", "fake", "first", "second", "--input-file", str(inputs), "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert [o["input"] for o in out] == ["first", "second", "third", "fourth"]
    plain = invoke("predict", "fake", "first")
    assert plain.stdout.strip() == "first\tpos\t(p=0.900)"


def test_predict_input_errors(register_fake, tmp_path):
    register_fake()
    assert_user_error(invoke("predict", "fake"), 1, "No inputs")
    missing = tmp_path / "nope.txt"
    assert_user_error(invoke("predict", "fake", "--input-file", str(missing)), 1, str(missing))


@pytest.mark.parametrize(
    "command",
    ["tasks", "run", "predict", "translate", "compare", "retrain", "schedule", "ui", "study"],
)
def test_help_for_every_command(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "Usage" in result.stdout


def test_run_help_shows_examples():
    text = invoke("run", "--help").stdout
    assert "rnnkit run forecast data.source=msft model.cell=leaky train.epochs=5" in text


def test_a_failed_input_exits_1_without_an_unexpected_error(register_fake):
    module = register_fake()
    module.predict = lambda inputs, uri: [{"input": "x", "error": "bad input"}]
    result = invoke("predict", "fake", "x")
    assert result.exit_code == 1
    assert "input 1 (x): bad input" in result.stderr and "Unexpected" not in result.stderr
