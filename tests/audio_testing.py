"""Tiny generated audio for the speech tests: noisy tones written as 16-bit PCM wavs; and
where the real FSDD archive sits."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile

RATE = 8000
FSDD = Path(os.environ.get("RNNKIT_DATA_HOME", "data/raw")) / (
    "free_spoken_digit/fsdd_recordings.tar.gz")
# The tests using the `fsdd_smoke` fixture share this xdist group: one worker trains it once.
FSDD_SMOKE_GROUP = "fsdd_smoke"


def write_tone(path, hz=440.0, seconds=0.3, rate=RATE, seed=0):
    """A Hann-windowed sine of `hz` plus N(0, 0.01²) noise, written to `path`."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    audio = 0.5 * np.hanning(len(t)) * np.sin(2 * np.pi * hz * t) + 0.01 * rng.normal(size=len(t))
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, audio.astype("float32"), rate, subtype="PCM_16")
    return path


def write_speaker_folder(root, tones, speakers=("ann", "bob", "cy"), takes=8, seed_base=0):
    """`root/<label>/<label>_<speaker>_<take>.wav` for each label in `tones` (label -> Hz);
    each speaker shifts the pitch by 5 %, each take lengthens the clip by 20 ms."""
    for c, (label, hz) in enumerate(tones.items()):
        for s, speaker in enumerate(speakers):
            for take in range(takes):
                write_tone(root / label / f"{label}_{speaker}_{take}.wav", hz * (1 + 0.05 * s),
                           seconds=0.2 + 0.02 * take, seed=seed_base + 1000 * c + 100 * s + take)
    return root
