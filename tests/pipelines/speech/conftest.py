"""Fixtures of the speech tests: tiny generated wavs, a folder dataset, a temp MLflow store."""

from __future__ import annotations

import pytest

from audio_testing import write_speaker_folder, write_tone
from pipelines.core.config import build_config
from pipelines.speech.config import SpeechConfig

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
                "model": {"units": 4},
                "train": {"epochs": 1, "batch_size": 8, "patience": 1}}
        for section, values in sections.items():
            data.setdefault(section, {}).update(values)
        return build_config(SpeechConfig, data)

    return _cfg


@pytest.fixture
def speech_store(task_store):
    return task_store("speech")
