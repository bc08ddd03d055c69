"""Fixtures of the speech tests: tiny generated wavs, a folder dataset, a temp MLflow store."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from pipelines.core.config import build_config
from pipelines.speech.config import SpeechConfig

RATE = 8000
TONES = {"low": 300.0, "high": 1200.0}


@pytest.fixture
def write_wav():
    """Call as `write_wav(path, label_hz, seconds=0.3, rate=8000, seed=0)`: a noisy tone."""

    def _write(path, hz=440.0, seconds=0.3, rate=RATE, seed=0):
        rng = np.random.default_rng(seed)
        t = np.arange(int(seconds * rate)) / rate
        envelope = np.hanning(len(t))
        audio = 0.5 * envelope * np.sin(2 * np.pi * hz * t) + 0.01 * rng.normal(size=len(t))
        path.parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(path, audio.astype("float32"), rate, subtype="PCM_16")
        return path

    return _write


@pytest.fixture
def wav_folder(tmp_path, write_wav):
    """`<label>/<label>_<speaker>_<index>.wav`: 2 labels x 3 speakers x 8 takes."""
    root = tmp_path / "wavs"
    for c, (label, hz) in enumerate(TONES.items()):
        for s, speaker in enumerate(("ann", "bob", "cy")):
            for index in range(8):
                seed = 1000 * c + 100 * s + index
                write_wav(root / label / f"{label}_{speaker}_{index}.wav",
                          hz * (1 + 0.05 * s), seconds=0.2 + 0.02 * index, seed=seed)
    return root


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
