"""Every task end to end on tiny generated data, through the runner into MLflow, and its
logged pyfunc reloaded to the very outputs the trained model gave in-process.

This is the suite's backend-neutrality check: `make test` runs it under TensorFlow and
again under JAX (DESIGN.md, "Backends and devices": nothing TensorFlow-only between
ingest and a saved model). The real-data smoke runs, which also check that each task
learns, run under TensorFlow; the forecast smoke runs without TensorFlow at all in
tests/pipelines/test_without_tensorflow.py.
"""

from __future__ import annotations

import keras
import mlflow
import numpy as np
import pandas as pd
import pytest
from audio_testing import write_speaker_folder

from pipelines.core import tracking
from pipelines.core.runner import run_task


def forecast_data(root):
    t = np.arange(400)
    frame = pd.DataFrame({
        "when": pd.date_range("2021-01-01", periods=400, freq="h").strftime("%Y-%m-%d %H:%M"),
        "load": 50 + 10 * np.sin(2 * np.pi * t / 24)
        + np.random.default_rng(0).normal(0, 1, 400),
        "temp": 5 + np.cos(2 * np.pi * t / 24),
    })
    frame.to_csv(root / "load.csv", index=False)
    return [f"data.source=csv:{root / 'load.csv'}", "data.time_column=when",
            "data.target=load", "data.features=[temp]", "evaluate.statistical=none"]


def sentiment_data(root):
    good = ["a great film", "loved every minute", "wonderful acting", "a moving story"]
    bad = ["a dull film", "hated every minute", "awful acting", "a boring story"]
    rows = [(f"{text}, {extra}", label) for extra in ("really", "truly", "so", "quite",
                                                       "very", "honestly", "just", "simply")
            for texts, label in ((good, "pos"), (bad, "neg")) for text in texts]
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(root / "reviews.csv", index=False)
    return [f"data.source=csv:{root / 'reviews.csv'}", "data.max_train=null",
            "data.max_test=null", "featurize.min_count=1", "train.epochs=2"]


def translate_data(root):
    words = [("cat", "gato"), ("dog", "perro"), ("house", "casa"), ("book", "libro"),
             ("car", "coche"), ("tree", "árbol"), ("bird", "pájaro"), ("door", "puerta")]
    pairs = [f"{start} {en}.\t{inicio} {es}." for en, es in words
             for start, inicio in (("The", "El"), ("A", "Un"), ("My", "Mi"), ("Your", "Tu"),
                                   ("His", "Su"), ("One", "Un"))]
    (root / "pairs.txt").write_text("\n".join(pairs) + "\n", encoding="utf-8")
    return [f"data.source=file:{root / 'pairs.txt'}", "featurize.test_fraction=0.15",
            "featurize.val_fraction=0.1", "train.epochs=2"]


def speech_data(root):
    write_speaker_folder(root / "wavs", {"low": 300.0, "high": 1200.0}, takes=6)
    return [f"data.source=folder:{root / 'wavs'}", "data.split=speaker",
            "data.test_speaker=bob", "data.max_files=null", "model.units=4",
            "train.epochs=2", "train.batch_size=8"]


TINY = {"forecast": forecast_data, "sentiment": sentiment_data,
        "translate": translate_data, "speech": speech_data}


@pytest.mark.parametrize("task", sorted(TINY))
def test_tiny_run_logs_a_pyfunc_that_reloads_to_identical_outputs(task, tmp_path,
                                                                   task_store, monkeypatch):
    store = task_store(task)
    logged, log = {}, tracking.log_keras_pyfunc

    def keep_example(run, entry_point, keras_model, preprocessors, example, output, *a, **k):
        logged.update(example=example, output=output)
        return log(run, entry_point, keras_model, preprocessors, example, output, *a, **k)

    monkeypatch.setattr(tracking, "log_keras_pyfunc", keep_example)
    result = run_task(task, "smoke", TINY[task](tmp_path))

    run = store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["keras_backend"] == keras.backend.backend()
    assert [v.name for v in store.search_model_versions(f"run_id='{result.run_id}'")] == [
        f"rnnkit-{task}"]
    model = mlflow.pyfunc.load_model(f"runs:/{result.run_id}/model")
    reloaded = model.predict(logged["example"])
    pd.testing.assert_frame_equal(reloaded.reset_index(drop=True),
                                  pd.DataFrame(logged["output"]).reset_index(drop=True),
                                  check_dtype=False, rtol=1e-5)
