"""The GPU machine has JAX and no TensorFlow: the path from ingest to a saved, reloaded
model must not need it. Here TensorFlow is hidden from a child process (its import
fails as if it were not installed) and a forecast runs end to end on JAX."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store_testing import store_at

HIDE_TENSORFLOW = '''
import sys

HIDDEN = {"tensorflow", "tensorboard", "tf_keras"}


class Hide:
    def __init__(self, inner):
        self.inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            return None
        find = getattr(self.inner, "find_spec", None)
        return find(name, path, target) if find else None

    def __getattr__(self, attr):
        return getattr(self.inner, attr)


sys.meta_path[:] = [Hide(finder) for finder in sys.meta_path]
'''
ROOT = Path(__file__).resolve().parents[2]


def run_without_tensorflow(tmp_path, *argv):
    (tmp_path / "hide").mkdir(exist_ok=True)
    (tmp_path / "hide" / "sitecustomize.py").write_text(HIDE_TENSORFLOW)
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(tmp_path / "hide"),
           "MLFLOW_TRACKING_URI": store_at(tmp_path / "mlflow.db")}
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True)


def test_tensorflow_is_really_hidden(tmp_path):
    done = run_without_tensorflow(tmp_path, "-c", "import tensorflow")
    assert done.returncode != 0 and "No module named 'tensorflow'" in done.stderr


# One child process (each start imports JAX, Keras and MLflow again): every stage and hook
# of every task imported, a forecast smoke run through the CLI, its pyfunc reloaded.
WITHOUT_TENSORFLOW = """
import json, sys
import rnnkit, pipelines.cli
from pipelines.core import tasks
from pipelines.core.types import STAGES
specs = [tasks.get_task(n) for n in tasks.task_names()]
assert len(specs) >= 4, specs
for spec in specs:
    [spec.stage(s) for s in STAGES]
    [spec.hook(h) for h in tasks.HOOKS]
assert "tensorflow" not in sys.modules
code = pipelines.cli.app(["run", "forecast", "--profile", "smoke", "evaluate.statistical=none",
                          "--report", sys.argv[1]], standalone_mode=False)
assert not code, f"rnnkit run exited with {code}"
import mlflow
report = json.load(open(sys.argv[1]))
model = mlflow.pyfunc.load_model(f"runs:/{report['run_id']}/model")
out = model.predict(model.input_example)
assert "tensorflow" not in sys.modules
print(json.dumps(out[0]["forecast"]))
"""


@pytest.mark.slow
def test_every_task_imports_and_a_forecast_runs_on_jax_without_tensorflow(tmp_path):
    report = tmp_path / "report.json"
    done = run_without_tensorflow(tmp_path, "-c", WITHOUT_TENSORFLOW, str(report))
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(report.read_text())
    assert data["placement"]["backend"] == "jax" and data["model"]["mae"] > 0
    forecast = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(forecast) == 1 and all(abs(v) < 100 for v in forecast)  # degrees C, 1 day
