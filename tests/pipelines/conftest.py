"""Shared fixtures for pipeline tests: a temporary MLflow store and a tiny fake task.

The fake task is a module-like object with ``Config`` and the four stages, registered
through a ``TaskSpec`` whose references look its functions up when called (so a test
may replace one); it records the order its stages ran in and can be told to fail in a
given stage.
"""

from __future__ import annotations

import types
from pathlib import Path

import mlflow
import pytest
from pydantic import Field

from pipelines.core import tasks
from pipelines.core.config import ConfigModel, LearningRate, PositiveInt
from pipelines.core.errors import DataMissingError
from pipelines.core.types import Provenance, Report
from store_testing import store_at

FAKE = "fake"

FAKE_YAML = """\
profiles:
  smoke:
    train: {epochs: 1}
  default: {}
  full:
    train: {epochs: 10}
"""


class FakeData(ConfigModel):
    source: str = "toy"
    rows: PositiveInt = 8


class FakeModel(ConfigModel):
    cell: str = "gru"
    units: PositiveInt = 4


class FakeTrain(ConfigModel):
    epochs: PositiveInt = 2
    learning_rate: LearningRate = 1e-3


class FakeConfig(ConfigModel):
    data: FakeData = Field(default_factory=FakeData)
    model: FakeModel = Field(default_factory=FakeModel)
    train: FakeTrain = Field(default_factory=FakeTrain)


def make_fake_task(
    config_path: Path, fail_at: str | None = None, user_error: bool = False
) -> types.SimpleNamespace:
    """A task object; ``fail_at`` names a stage that raises (a user error or a bug)."""
    calls: list[str] = []

    def maybe_fail(stage: str) -> None:
        calls.append(stage)
        if stage == fail_at:
            if user_error:
                raise DataMissingError("Dataset file not found: /nowhere/toy.csv.")
            raise RuntimeError(f"boom in {stage}")

    def ingest(cfg):
        maybe_fail("ingest")
        return {
            "rows": list(range(cfg.data.rows)),
            "provenance": Provenance(source=cfg.data.source, rows=cfg.data.rows),
        }

    def featurize(cfg, raw):
        maybe_fail("featurize")
        return {"x": raw["rows"]}

    def train(cfg, features):
        maybe_fail("train")
        return {"epochs": cfg.train.epochs, "n": len(features["x"])}

    def evaluate(cfg, trained, features):
        maybe_fail("evaluate")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot(features["x"])
        return Report(
            model_metrics={"mae": 1.5, "rmse": 2.0},
            baselines={"naive": {"mae": 2.5, "rmse": 3.0}},
            dataset=cfg.data.source,
            figures={"forecast": fig},
            tables={"summary": "model beats naive"},
            artifacts={"scaler": {"mean": 0.5}},
            throughput={"train_examples_per_s": 100.0},
        )

    def register(cfg, trained, features, report, run):
        maybe_fail("register")
        mlflow.set_tag("registered", "yes")

    def predict(inputs, model_uri):
        return [
            {"input": x, "label": "pos", "probabilities": {"pos": 0.9, "neg": 0.1}} for x in inputs
        ]

    module = types.SimpleNamespace(
        Config=FakeConfig,
        CONFIG_PATH=config_path,
        ingest=ingest,
        featurize=featurize,
        train=train,
        evaluate=evaluate,
        register=register,
        predict=predict,
        calls=calls,
        SOURCES=["toy"],
    )
    return module


def fake_spec(module, name: str = FAKE) -> tasks.TaskSpec:
    """A spec over ``module``'s functions, looked up at each call."""

    def late(attr):
        return lambda *args: getattr(module, attr)(*args)

    return tasks.TaskSpec(
        name=name, summary="A fake task.", config=module.Config, home=__name__,
        metrics={"mae": False, "rmse": False}, profiles_path=module.CONFIG_PATH,
        stages={s: late(s) for s in ("ingest", "featurize", "train", "evaluate")},
        register=late("register"), predict=late("predict"), sources=("toy",),
        package=late("package") if hasattr(module, "package") else None,
        score_model=late("score_model") if hasattr(module, "score_model") else None)



@pytest.fixture(scope="session")
def _mlflow_store(tmp_path_factory) -> str:
    """One sqlite store for the session (creating one costs about a second)."""
    root = tmp_path_factory.mktemp("mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri)
    client.create_experiment(f"rnnkit-{FAKE}", artifact_location=(root / "artifacts").as_uri())
    return uri


@pytest.fixture
def mlflow_store(_mlflow_store, monkeypatch) -> mlflow.MlflowClient:
    """Point MLFLOW_TRACKING_URI at the temporary store; return a client for it."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", _mlflow_store)
    yield mlflow.MlflowClient(tracking_uri=_mlflow_store)
    while mlflow.active_run() is not None:  # never leak a run into the next test
        mlflow.end_run()


@pytest.fixture
def fake_config_path(tmp_path) -> Path:
    path = tmp_path / "fake_config.yaml"
    path.write_text(FAKE_YAML, encoding="utf-8")
    return path


@pytest.fixture
def register_fake(fake_config_path, monkeypatch):
    """Register a fake task under the name ``fake``; call it to choose how it fails."""

    def _register(fail_at: str | None = None, user_error: bool = False):
        module = make_fake_task(fake_config_path, fail_at=fail_at, user_error=user_error)
        monkeypatch.setitem(tasks._EXTRA, FAKE, fake_spec(module))
        return module

    return _register


@pytest.fixture
def fake_runs(mlflow_store):
    """Call it to list all runs of the fake task's experiment."""

    def _runs() -> list:
        exp = mlflow_store.get_experiment_by_name(f"rnnkit-{FAKE}")
        return mlflow_store.search_runs([exp.experiment_id]) if exp else []

    return _runs


@pytest.fixture
def task_store(tmp_path, monkeypatch):
    """Call with a task's name: a temporary MLflow store (sqlite in tmp_path) whose
    ``rnnkit-<task>`` experiment keeps its artifacts in tmp_path too; returns a client."""

    def _make(task: str) -> mlflow.MlflowClient:
        uri = store_at(tmp_path / "mlflow.db")
        client = mlflow.MlflowClient(tracking_uri=uri)
        client.create_experiment(f"rnnkit-{task}", artifact_location=(tmp_path / "art").as_uri())
        monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
        return client

    yield _make
    while mlflow.active_run() is not None:
        mlflow.end_run()


FAKE_CRONTAB = """\
#!/bin/sh
# fake crontab: $1 is the file standing for the user's crontab, $2 is -l or -
case "$2" in
  -l) if [ -f "$1" ]; then cat "$1"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) cat > "$1" ;;
  *) echo "fake crontab: unsupported $2" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def fake_crontab(tmp_path, monkeypatch) -> Path:
    """RNNKIT_CRONTAB -> a script keeping the user's crontab in a file; returns the file
    (absent until the first write, like a user without a crontab)."""
    script = tmp_path / "fake-crontab"
    script.write_text(FAKE_CRONTAB)
    script.chmod(0o755)
    table = tmp_path / "crontab.txt"
    monkeypatch.setenv("RNNKIT_CRONTAB", f"{script} {table}")
    return table


@pytest.fixture
def run_keeping_model(tmp_path, monkeypatch):
    """Call as `run_keeping_model(task, profile="smoke")`: `run_task` with a report, the
    trained model and the features the train stage saw kept; returns
    `(result, report, trained, features)`."""
    import importlib
    import json

    from pipelines.core.runner import run_task

    def _run(task, profile="smoke"):
        module, kept = importlib.import_module(f"pipelines.{task}.train"), {}
        train = module.train

        def keep_train(cfg, features):  # the spec resolves `.train:train` at each run
            kept["trained"], kept["features"] = train(cfg, features), features
            return kept["trained"]

        monkeypatch.setattr(module, "train", keep_train)
        report_path = tmp_path / "report.json"
        result = run_task(task, profile, report_path=report_path)
        return result, json.loads(report_path.read_text()), kept["trained"], kept["features"]

    return _run
