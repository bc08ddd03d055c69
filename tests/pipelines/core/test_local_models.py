"""`rnnkit predict` reads a local SQLite registry without MLflow
(`pipelines.core.local_models`): the same version, the same note, the same answers as
MLflow's own loading, and MLflow is left to every case it cannot read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core import local_models, serving, tracking
from store_testing import store_at

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.xdist_group("local_models")  # one worker trains the module's model

INPUTS = ["3 1 4 1 5", "2 7 1 8 2", "7 7"]
FRAME = pd.DataFrame({"text": INPUTS})


@pytest.fixture(scope="module")
def toy_store(tmp_path_factory):
    """A store holding one trained toy model, registered as rnnkit-reverse-smoke v1."""
    root = tmp_path_factory.mktemp("local_models")
    uri = store_at(root / "mlflow.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNKIT_TASKS", "toy_task")
        patch.setenv("RNNKIT_LOCK_DIR", str(root / "locks"))
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        client = mlflow.MlflowClient(tracking_uri=uri)
        client.create_experiment("rnnkit-reverse", artifact_location=(root / "art").as_uri())
        ran = CliRunner().invoke(app, ["run", "reverse", "--profile", "smoke"])
        assert ran.exit_code == 0, ran.output
        yield client
        while mlflow.active_run() is not None:
            mlflow.end_run()


@pytest.fixture(autouse=True)
def _in_the_store(toy_store, monkeypatch):
    monkeypatch.setenv("RNNKIT_TASKS", "toy_task")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", toy_store.tracking_uri)


def answers_through_mlflow(uri: str) -> list[dict]:
    return mlflow.pyfunc.load_model(uri).predict(FRAME)


def test_the_champion_loads_without_mlflow_and_answers_as_mlflow_does(toy_store):
    uri = "models:/rnnkit-reverse-smoke@champion"
    resolved = local_models.resolve("reverse", uri)
    assert resolved is not None and resolved.note == f"serving {uri}"
    local = local_models.load(resolved.folder)
    assert isinstance(serving.task_model(local), serving.TaskModel)
    expected = answers_through_mlflow(uri)
    assert local.predict(FRAME) == expected
    assert "error" in expected[2] and "reversed" in expected[0]
    lines = []
    model = local_models.load_task_model("reverse", uri, say=lines.append)
    assert isinstance(model, local_models.LocalPyfunc) and lines == [f"serving {uri}"]
    by_version = local_models.resolve("reverse", "models:/rnnkit-reverse-smoke/1")
    assert by_version.folder == resolved.folder


def test_without_a_champion_the_latest_version_serves_with_mlflows_note(toy_store):
    smoke = toy_store.get_model_version("rnnkit-reverse-smoke", "1")
    toy_store.create_registered_model("rnnkit-reverse")
    toy_store.create_model_version("rnnkit-reverse", smoke.source, run_id=smoke.run_id,
                                   model_id=smoke.model_id)
    resolved = local_models.resolve("reverse")
    served = tracking.serving_model("reverse")
    assert served.uri == "models:/rnnkit-reverse/1" and resolved.note == served.note
    assert local_models.load(resolved.folder).predict(FRAME) == \
        answers_through_mlflow(served.uri)


def test_what_it_cannot_read_is_left_to_mlflow(toy_store, monkeypatch, tmp_path):
    assert local_models.resolve("nothing") is None  # no rnnkit-nothing: MLflow's error
    assert local_models.resolve("reverse", "models:/rnnkit-reverse-smoke@other") is None
    assert local_models.resolve("reverse", "runs:/abc/model") is None
    folder = local_models.resolve("reverse", "models:/rnnkit-reverse-smoke/1").folder
    not_ours = tmp_path / "other"
    not_ours.mkdir()
    (not_ours / "MLmodel").write_text((folder / "MLmodel").read_text().replace(
        "mlflow.pyfunc.loaders.code_model", "mlflow.keras"))
    assert local_models.load(not_ours) is None
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:1")
    assert local_models.resolve("reverse", "models:/rnnkit-reverse-smoke/1") is None


def test_rnnkit_predict_imports_neither_mlflow_nor_tensorflow_on_jax(toy_store, tmp_path):
    probe = ("import sys, runpy\n"
             "sys.argv = ['rnnkit', 'predict', 'reverse', '3 1 4 1 5', '--json', '--model', "
             "'models:/rnnkit-reverse-smoke@champion']\n"
             "try:\n    runpy.run_module('pipelines.cli', run_name='__main__')\n"
             "except SystemExit as exit:\n    assert not exit.code, exit.code\n"
             "print(sorted({'mlflow', 'tensorflow', 'sqlalchemy'} & set(sys.modules)))\n")
    # without the JAX_* cache variables an in-process `rnnkit predict` may have set
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    env |= {"KERAS_BACKEND": "jax", "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    answer_line, imported = done.stdout.strip().splitlines()[-2:]
    assert json.loads(answer_line)[0]["input"] == "3 1 4 1 5"
    assert imported == "[]", done.stderr[-2000:]
    assert any((tmp_path / "cache" / "rnnkit" / "jax").iterdir())  # compiled programs kept
