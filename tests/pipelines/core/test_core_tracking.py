"""Tracking helpers: experiment naming, epoch callback, artifacts, model registration."""

from __future__ import annotations

import mlflow
import numpy as np

from pipelines.core import tracking


def test_names_and_uri(mlflow_store, monkeypatch):
    assert tracking.experiment_name("forecast") == "rnnkit-forecast"
    assert tracking.registered_model_name("speech") == "rnnkit-speech"
    assert tracking.tracking_uri().startswith("sqlite:///")
    assert tracking.metric_key("baseline_ARIMA(1,1,1)_mae") == "baseline_ARIMA_1_1_1__mae"


def test_epoch_callback_logs_per_epoch_and_is_silent_without_a_run(mlflow_store):
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32")
    callback = tracking.epoch_callback()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callback])  # no run: nothing happens
    assert mlflow.active_run() is None

    run = tracking.start_run("fake")
    model.fit(x, y, validation_data=(x, y), epochs=3, verbose=0, callbacks=[callback])
    tracking.end_run()
    history = mlflow_store.get_metric_history(run.run_id, "val/loss")
    assert [m.step for m in mlflow_store.get_metric_history(run.run_id, "train/loss")] == [0, 1, 2]
    assert [m.step for m in history] == [0, 1, 2]
    seconds = mlflow_store.get_metric_history(run.run_id, "time/epoch_s")
    assert [m.step for m in seconds] == [0, 1, 2] and all(0 < m.value < 60 for m in seconds)


def test_artifacts_paths_and_json(mlflow_store, tmp_path):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "vocab.txt").write_text("a\nb\n")
    (tmp_path / "notes.txt").write_text("hello")
    run = tracking.start_run("fake")
    tracking.log_artifacts(
        {
            "preprocessing": tmp_path / "state",
            "notes": tmp_path / "notes.txt",
            "scaler": {"mean": 1.0},
            "window.json": {"lookback": 24},
        }
    )
    tracking.log_params({"a": {"b": "x" * 7000}})  # flattened, truncated to fit
    tracking.end_run()
    paths = {a.path for a in mlflow_store.list_artifacts(run.run_id)}
    assert {"preprocessing", "notes.txt", "scaler.json", "window.json"} <= paths
    assert len(mlflow_store.get_run(run.run_id).data.params["a.b"]) == tracking.MAX_PARAM_CHARS


def test_log_and_register_model(mlflow_store):
    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input: list[str]) -> list[str]:
            return model_input

    run = tracking.start_run("fake")
    version = run.log_and_register_model(
        lambda: mlflow.pyfunc.log_model(name="model", python_model=Echo(), pip_requirements=[])
    )
    tracking.end_run()
    assert version.name == "rnnkit-fake" and version.run_id == run.run_id
