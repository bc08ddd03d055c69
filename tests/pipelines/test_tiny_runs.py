"""Every task end to end on tiny generated data, through the runner into MLflow, and its
logged pyfunc reloaded to the very outputs the trained model gave in-process.

This is the suite's backend-neutrality check: `make test` runs it under TensorFlow and
again under JAX (DESIGN.md, "Backends and devices": nothing TensorFlow-only between
ingest and a saved model). The real-data smoke runs, which also check that each task
learns, run under TensorFlow; the forecast smoke runs without TensorFlow at all in
tests/pipelines/test_without_tensorflow.py.
"""

from __future__ import annotations

import json

import keras
import mlflow
import numpy as np
import pandas as pd
import pytest

from audio_testing import write_speaker_folder
from pipelines.core import tasks, tracking
from pipelines.core.runner import run_task
from pipelines.core.scoring import build_app
from serve_testing import call, running


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
            "train.epochs=2", "train.batch_size=8", "train.ensemble=2"]  # served averaged


TINY = {"forecast": forecast_data, "sentiment": sentiment_data,
        "translate": translate_data, "speech": speech_data}


def served_forecast(root, example):
    """The README's request: the recent rows of a CSV as ``dataframe_split``."""
    example.to_csv(root / "recent.csv", index=False)
    split = json.loads(pd.read_csv(root / "recent.csv").to_json(orient="split", index=False))
    return [str(root / "recent.csv")], {"dataframe_split": split}


def served_texts(root, example):
    texts = ["a great film, truly", "an awful story, so dull"]
    return texts, {"dataframe_records": [{"text": t} for t in texts]}


def served_speech(root, example):
    wavs = sorted(str(p) for p in (root / "wavs").rglob("*.wav"))[:2]
    return wavs, {"dataframe_records": [{"path": w} for w in wavs]}


SERVED = {"forecast": served_forecast, "sentiment": served_texts,
          "translate": served_texts, "speech": served_speech}


def test_every_task_has_tiny_data():
    """A new task joins this check (both backends) by adding its tiny data here."""
    assert set(tasks.task_names()) <= set(TINY), sorted(set(tasks.task_names()) - set(TINY))


@pytest.mark.parametrize("task", sorted(TINY))
def test_tiny_run_logs_a_pyfunc_that_reloads_to_identical_outputs(task, tmp_path,
                                                                   task_store, monkeypatch):
    store = task_store(task)
    logged, log = {}, tracking.log_model_package

    def keep_example(run, package):
        version, output = log(run, package)
        logged.update(example=package.example, output=output)
        return version, output

    monkeypatch.setattr(tracking, "log_model_package", keep_example)
    result = run_task(task, "smoke", TINY[task](tmp_path))

    run = store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["keras_backend"] == keras.backend.backend()
    assert [v.name for v in store.search_model_versions(f"run_id='{result.run_id}'")] == [
        f"rnnkit-{task}-smoke"]  # a smoke run never registers under the serving name
    uri = f"runs:/{result.run_id}/model"
    model = mlflow.pyfunc.load_model(uri)
    reloaded = model.predict(logged["example"])
    assert len(reloaded) == len(logged["output"]) and "error" not in reloaded[0]
    assert flat(reloaded) == pytest.approx(flat(logged["output"]), rel=1e-5)

    # rnnkit serve: MLflow's scoring server answers what rnnkit predict prints
    items, payload = SERVED[task](tmp_path, logged["example"])
    predicted = tasks.get_task(task).hook("predict")(items, uri)
    with running(build_app(model)) as url:
        assert call(f"{url}/ping")[0] == 200
        status, served = call(f"{url}/invocations", payload)
        bad_status, bad = call(f"{url}/invocations", '{"dataframe_records": [')
    assert status == 200, served
    assert served["predictions"] == [{k: v for k, v in p.items() if k != "input"}
                                     for p in predicted]
    assert bad_status == 400 and "stack_trace" not in bad and "Traceback" not in str(bad)
    assert "valid JSON" in bad["message"]


def flat(answers: list[dict]) -> list:
    """The answers' values in a fixed order (numbers compared with a tolerance)."""
    out = []
    for answer in answers:
        for key in sorted(answer):
            value = answer[key]
            if isinstance(value, dict):
                out += [value[k] for k in sorted(value)]
            elif isinstance(value, list):
                out += value
            else:
                out.append(value)
    return out
