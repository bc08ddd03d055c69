"""A run stopped by SIGTERM ends FAILED in MLflow, never RUNNING forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import mlflow

from store_testing import store_at

TESTS = Path(__file__).resolve().parents[1]

SLOW_RUN = textwrap.dedent("""
    import sys, time
    from pipelines.core import tasks  # the package, before tests/ (holding tests/pipelines)

    sys.path[:0] = [{tests!r}, {helpers!r}]  # conftest, and the helpers it imports
    import conftest

    module = conftest.make_fake_task(__import__("pathlib").Path({config!r}))

    def train(cfg, features):
        print("training now", file=sys.stderr, flush=True)
        time.sleep(120)

    module.train = train
    tasks.register(conftest.fake_spec(module))
    from pipelines.cli import app
    app(["run", "fake"])
""")


def test_sigterm_ends_the_run_failed(tmp_path, fake_config_path):
    uri = store_at(tmp_path / "mlflow.db")
    script = tmp_path / "slow_run.py"
    script.write_text(SLOW_RUN.format(tests=str(TESTS), helpers=str(TESTS.parent),
                                      config=str(fake_config_path)))
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    process = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.PIPE,
                               text=True, env=env, cwd=tmp_path)
    try:
        deadline = time.time() + 120
        for line in process.stderr:
            if "training now" in line or time.time() > deadline:
                break
        rest: list[str] = []  # keep reading, so the child never blocks on a full pipe
        reader = threading.Thread(target=lambda: rest.extend(process.stderr), daemon=True)
        reader.start()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            code = None
    finally:
        process.kill()
    reader.join(timeout=10)
    assert code == 128 + signal.SIGTERM, "".join(rest)[-3000:]
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.search_runs([client.get_experiment_by_name("rnnkit-fake").experiment_id])[0]
    assert run.info.status == "FAILED"
    assert run.data.tags["rnnkit.stopped_by"] == "SIGTERM"
    assert run.data.tags["rnnkit.stopped_in_stage"] == "train"
