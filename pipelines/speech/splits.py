"""Train/val/test folds: the official FSDD split, or leave-one-speaker-out.

`official`: a clip's own split from the source (FSDD: takes 0-4 of every digit and
speaker are test, 5-49 train), else a seeded `test_fraction`. `speaker`: one fold per
held-out speaker (or only `data.test_speaker`); the test speaker is in no other split.
Validation clips are a seeded `val_fraction` of each fold's training clips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.core.errors import ConfigError
from pipelines.speech.audio import SpeechDataError
from pipelines.speech.config import DataConfig
from pipelines.speech.raw import Clip


@dataclass
class Fold:
    name: str
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def make_folds(clips: list[Clip], data: DataConfig) -> list[Fold]:
    rng = np.random.default_rng(data.seed)
    if data.split == "official":
        hints = np.array([c.split or "" for c in clips])
        if (hints == "test").any():
            test = np.flatnonzero(hints == "test")
            train = np.flatnonzero(hints != "test")
        else:
            test, train = _draw(np.arange(len(clips)), data.test_fraction, rng)
        val = np.flatnonzero(hints == "val")
        if len(val):
            train = np.setdiff1d(train, val)
        else:
            val, train = _draw(train, data.val_fraction, rng)
        folds = [Fold("official", train, val, test)]
    else:
        folds = [_speaker_fold(clips, s, data, rng) for s in _test_speakers(clips, data)]
    for fold in folds:
        for split in ("train", "val", "test"):
            if not len(getattr(fold, split)):
                raise SpeechDataError(
                    f"Fold {fold.name!r} has no {split} clips ({len(clips)} clips in all): "
                    "use more data or change data.val_fraction / data.test_fraction."
                )
    return folds


def speakers_of(clips: list[Clip]) -> np.ndarray:
    return np.array([c.speaker or "" for c in clips])


def _test_speakers(clips: list[Clip], data: DataConfig) -> list[str]:
    speakers = speakers_of(clips)
    if (speakers == "").any():
        raise SpeechDataError(
            f"data.split=speaker needs the speaker of every clip, but {int((speakers == '').sum())}"
            " have none (speakers come from FSDD-style names {label}_{speaker}_{index}.wav)."
        )
    known = sorted(set(speakers))
    if len(known) < 2:
        raise SpeechDataError(f"data.split=speaker needs 2+ speakers; found {known}.")
    if data.test_speaker is None:
        return known
    if data.test_speaker not in known:
        raise ConfigError(f"data.test_speaker={data.test_speaker!r} is not a speaker of this "
                          f"data; speakers: {', '.join(known)}.")
    return [data.test_speaker]


def _speaker_fold(clips, speaker, data, rng) -> Fold:
    speakers = speakers_of(clips)
    test = np.flatnonzero(speakers == speaker)
    val, train = _draw(np.flatnonzero(speakers != speaker), data.val_fraction, rng)
    return Fold(speaker, train, val, test)


def _draw(rows: np.ndarray, fraction: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random `fraction` of `rows` (at least one), and the rest; both sorted."""
    n = max(1, round(fraction * len(rows))) if len(rows) > 1 else 0
    picked = rng.permutation(rows)
    return np.sort(picked[:n]), np.sort(picked[n:])
