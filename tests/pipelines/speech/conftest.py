"""Fixtures of the speech tests: tiny generated wavs, a folder dataset,
and one smoke run on the real FSDD shared by the tests that need a trained model."""

from __future__ import annotations

import json
import types

import mlflow
import pytest

from audio_testing import FSDD, write_speaker_folder, write_tone
from pipelines.core.config import build_config
from pipelines.speech.config import SpeechConfig
from store_testing import store_at

TONES = {"low": 300.0, "high": 1200.0}


@pytest.fixture
def write_wav():
    """Call as `write_wav(path, hz, seconds=0.3, rate=8000, seed=0)`: a noisy tone."""
    return write_tone


@pytest.fixture
def wav_folder(tmp_path):
    """`<label>/<label>_<speaker>_<index>.wav`: 2 labels x 3 speakers x 8 takes."""
    return write_speaker_folder(tmp_path / "wavs", TONES)


@pytest.fixture
def tiny_cfg():
    """Call with a source and dotted overrides as a nested mapping; a fast config."""

    def _cfg(source, **sections):
        data = {"data": {"source": source, "workers": 2},
                "featurize": {"augment_copies": 0, "test_time_copies": 0},
                "model": {"units": 4},
                "train": {"epochs": 1, "batch_size": 8, "patience": 1, "ensemble": 1}}
        for section, values in sections.items():
            data.setdefault(section, {}).update(values)
        return build_config(SpeechConfig, data)

    return _cfg



@pytest.fixture(scope="session")
def _fsdd_smoke_run(tmp_path_factory):
    if not FSDD.exists():
        pytest.skip(f"data home lacks {FSDD}")
    from pipelines.core.runner import run_task

    home = tmp_path_factory.mktemp("fsdd-smoke")
    uri = store_at(home / "mlflow.db")
    client = mlflow.MlflowClient(tracking_uri=uri)
    client.create_experiment("rnnkit-speech", artifact_location=(home / "art").as_uri())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", uri)
        result = run_task("speech", "smoke", [], home / "report.json")
        while mlflow.active_run() is not None:
            mlflow.end_run()
    return types.SimpleNamespace(
        result=result, report=json.loads((home / "report.json").read_text()), client=client,
        tracking_uri=uri, model_uri=f"runs:/{result.run_id}/model")


@pytest.fixture
def fsdd_smoke(_fsdd_smoke_run, monkeypatch):
    """`rnnkit run speech --profile smoke` on FSDD, once per test process, in its own
    MLflow store (MLFLOW_TRACKING_URI points at it for the test): ``result``, ``report``
    (the JSON), ``client``, ``model_uri``. Tests using it must not change that store."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", _fsdd_smoke_run.tracking_uri)
    return _fsdd_smoke_run
