"""Training on several processes: `rnnkit run --processes 2` on JAX CPU (one MLflow run,
the single-process loss curve at the same global batch; a dying worker fails the run on
every process, naming it), and TensorFlow's multi-worker route, which Keras 3 breaks
(two real MultiWorkerMirroredStrategy workers on 127.0.0.1), refused with a message.

Every test here starts its own processes with the backend it needs, so the file runs in
the TensorFlow half of the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mlflow
import numpy as np
import pytest

from pipelines.core import devices, launcher
from pipelines.core.errors import RnnkitUserError
from store_testing import store_at

ROOT = Path(__file__).resolve().parents[2]
RNNKIT = [sys.executable, "-c", launcher.WORKER_ENTRY]


def rnnkit(store: Path, *argv: str, env: dict | None = None) -> subprocess.Popen:
    """``rnnkit ARGV`` in a subprocess on JAX, logging to the sqlite store ``store``."""
    full = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3",
            "MLFLOW_TRACKING_URI": store_at(store), **(env or {})}
    flags = full.pop("XLA_FLAGS", "").split()  # one CPU device per process
    full["XLA_FLAGS"] = " ".join(f for f in flags if "device_count" not in f)
    full.pop("TF_CONFIG", None)
    return subprocess.Popen([*RNNKIT, *argv], cwd=store.parent, env=full, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finished(proc: subprocess.Popen, timeout: float = 400) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def runs(store: Path, task: str) -> list:
    client = mlflow.MlflowClient(f"sqlite:///{store}")
    experiment = client.get_experiment_by_name(f"rnnkit-{task}")
    return client.search_runs([experiment.experiment_id]) if experiment else []


def loss_curve(store: Path, run) -> list[float]:
    client = mlflow.MlflowClient(f"sqlite:///{store}")
    history = client.get_metric_history(run.info.run_id, "train/loss")
    return [m.value for m in sorted(history, key=lambda m: m.step)]


@pytest.mark.slow
def test_two_processes_log_one_run_and_follow_the_single_process_loss(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one_store, two_store = tmp_path / "one" / "mlflow.db", tmp_path / "two" / "mlflow.db"
    smoke = ["run", "forecast", "--profile", "smoke", "evaluate.statistical=none",
             "evaluate.interval=[]"]
    # the same global batch of 32: 32 on one device, 16 on each of two processes
    one = rnnkit(one_store, *smoke, "train.batch_size=32")
    report = tmp_path / "two" / "report.json"
    two = rnnkit(two_store, *smoke, "train.batch_size=16", "--processes", "2",
                 "--report", str(report))
    (code1, _out1, err1), (code2, out2, err2) = finished(one), finished(two)
    assert code1 == 0, err1[-3000:]
    assert code2 == 0, err2[-3000:]

    [single] = runs(one_store, "forecast")
    [run] = runs(two_store, "forecast")  # one run, however many processes
    assert run.info.status == "FINISHED"
    assert run.data.tags["processes"] == "2" and run.data.tags["strategy"] == "DataParallel"
    placement = json.loads(Path(mlflow.MlflowClient(f"sqlite:///{two_store}")
                                .download_artifacts(run.info.run_id, "placement.json"))
                           .read_text())
    assert (placement["processes"], placement["replicas"]) == (2, 2)
    assert json.loads(report.read_text())["run_id"] == run.info.run_id
    assert out2.count("run_id:") == 1 and "[Gloo]" not in out2  # results from process 0 only

    curve1, curve2 = loss_curve(one_store, single), loss_curve(two_store, run)
    assert len(curve1) == len(curve2) == 2 and curve2[-1] < curve2[0]
    np.testing.assert_allclose(curve2, curve1, rtol=1e-3)


DYING_TASK = '''
"""The toy task, whose worker 1 dies at the start of training."""
import os

from pipelines.core.tasks import TaskSpec
from toy_task import TASK as TOY
from toy_task import stages


def train(cfg, features):
    import jax

    if jax.process_index() == 1:
        os._exit(3)
    return stages.train(cfg, features)  # process 0 trains on, alone, until stopped


TASK = TaskSpec(
    name="dying", summary="The toy task with a dying worker.", config=TOY.config,
    home=__name__, metrics=TOY.metrics,
    stages={stage: "toy_task" + ref for stage, ref in TOY.stages.items()}
    | {"train": "dying_task:train"},
)
'''


@pytest.mark.slow
def test_a_dying_worker_fails_the_run_on_every_process_and_is_named(tmp_path):
    package = tmp_path / "dying_task"
    package.mkdir()
    (package / "__init__.py").write_text(DYING_TASK)
    (package / "config.yaml").write_text((ROOT / "tests/toy_task/config.yaml").read_text())
    store = tmp_path / "mlflow.db"
    paths = os.pathsep.join([str(tmp_path), str(ROOT / "tests"), str(ROOT),
                             os.environ.get("PYTHONPATH", "")])
    env = {"RNNKIT_TASKS": "dying_task", "PYTHONPATH": paths,
           launcher.GRACE_ENV: "5", "RNNKIT_DISTRIBUTED_TIMEOUT_S": "30"}
    start = time.monotonic()
    code, out, err = finished(rnnkit(store, "run", "dying", "--profile", "smoke",
                                     "train.epochs=50", "--processes", "2", env=env),
                              timeout=120)
    seconds = time.monotonic() - start
    assert code == 1, err[-3000:]
    message = err.strip().splitlines()[-1]
    assert message.startswith("rnnkit: error: Worker 1 of 2 (JAX process 1) exited with "
                              "status 3, so the other workers were stopped"), err[-3000:]
    [run] = runs(store, "dying")
    assert run.info.run_id in message and run.info.status == "FAILED"
    assert run.data.tags["rnnkit.failed_worker"] == "1"
    assert run.data.tags["rnnkit.failed_worker_exit"] == "exited with status 3"
    assert "run_id:" not in out and seconds < 90


MULTI_WORKER = textwrap.dedent("""
    import json, os, sys
    import keras, numpy as np, tensorflow as tf
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    x = np.random.default_rng(0).normal(size=(64, 8, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    with strategy.scope():
        model = keras.Sequential([keras.Input((8, 3)), keras.layers.GRU(4),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    print(json.dumps(model.fit(data, epochs=2, verbose=0).history["loss"]))
""")


@pytest.mark.canary
def test_keras_3_still_cannot_train_two_multi_worker_mirrored_workers(tmp_path):
    """What the TF_CONFIG refusal rests on: two real workers on 127.0.0.1 fail in their
    first step. When this test fails, Keras trains them: lift the refusal in
    pipelines/core/devices.py and route TF_CONFIG to the strategy again. A canary
    (`make canary`, not `make test`): run it when the keras or tensorflow pins move."""
    ports = [launcher.free_port(), launcher.free_port()]
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    workers = []
    for index in range(2):
        env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3",
               "TF_CONFIG": json.dumps({"cluster": cluster,
                                        "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen([sys.executable, "-c", MULTI_WORKER], env=env,
                                        text=True, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE))
    results = [finished(w, timeout=240) for w in workers]
    for code, _out, err in results:
        assert code != 0
        assert "Attempt to convert a value (PerReplica" in err, err[-2000:]


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow",
                    reason="TF_CONFIG is read on the TensorFlow backend")
def test_tf_config_is_refused_before_any_run_pointing_to_jax(monkeypatch, mlflow_store):
    from typer.testing import CliRunner

    from pipelines.cli import app

    cluster = {"worker": ["127.0.0.1:2001", "127.0.0.1:2002"]}
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster,
                                                "task": {"type": "worker", "index": 0}}))
    with pytest.raises(RnnkitUserError, match="KERAS_BACKEND=jax rnnkit run TASK "
                                              "--processes N"):
        devices.choose("auto")
    def forecast_runs() -> int:
        experiment = mlflow_store.get_experiment_by_name("rnnkit-forecast")
        return len(mlflow_store.search_runs([experiment.experiment_id])) if experiment else 0

    before = forecast_runs()
    done = CliRunner().invoke(app, ["run", "forecast", "--profile", "smoke"])
    assert done.exit_code == 1
    assert "Keras 3 cannot train under tf.distribute.MultiWorkerMirroredStrategy" in \
        done.output and "keras-team/keras#20585" in done.output
    assert forecast_runs() == before  # refused before any run was started
