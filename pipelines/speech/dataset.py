"""Bucketed batches of variable-length frame sequences as a `keras.utils.PyDataset`.

Clips of similar length share a batch, padded with all-zero frames (masked by the
model) up to a multiple of `PAD_MULTIPLE`, so few shapes compile and little is padding.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from pipelines.speech.augment import spec_augment
from pipelines.speech.config import FeaturizeConfig

PAD_MULTIPLE = 16


def padded_width(length: int) -> int:
    return PAD_MULTIPLE * math.ceil(length / PAD_MULTIPLE)


def pad_batch(frames: list[np.ndarray], width: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`[B, T, F]` zero-padded to a multiple of PAD_MULTIPLE (at least `width`), and
    the true lengths."""
    lengths = np.array([len(f) for f in frames])
    width = max(width, padded_width(lengths.max()))
    x = np.zeros((len(frames), width, frames[0].shape[1]), dtype="float32")
    for i, f in enumerate(frames):
        x[i, : len(f)] = f
    return x, lengths


class FrameDataset(keras.utils.PyDataset):
    """Batches of `versions[i][v]` (clip i, version v: 0 = original, then augmented).

    Training (`shuffle=True`) draws one version per clip each epoch, groups clips by
    noisy length, shuffles the batch order and applies SpecAugment when `augment`
    is given; otherwise it reads version 0 in length order (`batches` maps batch rows
    back to clip indices). With `featurizer`, frames are scaled by its train statistics.
    """

    def __init__(self, versions, labels=None, batch_size=32, shuffle=False, seed=0,
                 augment: FeaturizeConfig | None = None, featurizer=None, **kwargs):
        super().__init__(**kwargs)
        self.featurizer = featurizer
        self.versions, self.batch_size, self.shuffle = versions, batch_size, shuffle
        self.labels = None if labels is None else np.asarray(labels, dtype="int32")
        self.augment = augment if augment is not None and augment.spec_augment else None
        self.rng = np.random.default_rng(seed)
        self.choice = np.zeros(len(versions), dtype="int64")
        self._plan()

    def _plan(self):
        if self.shuffle:
            self.choice = np.array([self.rng.integers(len(v)) for v in self.versions])
        lengths = np.array([len(v[c]) for v, c in zip(self.versions, self.choice, strict=True)])
        noise = self.rng.uniform(0, PAD_MULTIPLE, len(lengths)) if self.shuffle else 0
        self.order = np.argsort(lengths + noise, kind="stable")
        self.batches = [self.order[i : i + self.batch_size]
                        for i in range(0, len(self.order), self.batch_size)]
        if self.shuffle:
            self.rng.shuffle(self.batches)

    def __len__(self):
        return len(self.batches)

    def _width(self, index) -> int:
        """Keras reads the input spec from batches 0 and 1: they must differ in length
        for the time axis to stay free (None); a lone batch takes the widest version."""
        if len(self.batches) == 1:
            return padded_width(max(len(f) for v in self.versions for f in v))
        if index != 1:
            return 0
        first = max(len(self.versions[i][self.choice[i]]) for i in self.batches[0])
        mine = max(len(self.versions[i][self.choice[i]]) for i in self.batches[1])
        same = padded_width(first) == padded_width(mine)
        return padded_width(mine) + PAD_MULTIPLE * same

    def __getitem__(self, index):
        rows = self.batches[index]
        frames = [self.versions[i][self.choice[i]] for i in rows]
        if self.featurizer is not None:
            frames = [self.featurizer.normalize(f) for f in frames]
        x, lengths = pad_batch(frames, self._width(index))
        if self.augment is not None:
            x = spec_augment(x, lengths, self.augment, self.rng)
        if self.labels is None:
            return (x,)
        return x, self.labels[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self._plan()


def predict_proba(model, frames: list[np.ndarray], batch_size: int = 64) -> np.ndarray:
    """Class probabilities `[N, classes]` in the order of `frames`.

    One `model.predict` over the bucketed dataset: its time axis is free, so the
    predict function is traced once, not once per padded length."""
    data = FrameDataset([[f] for f in frames], batch_size=batch_size)
    probs = np.empty((len(frames), model.output_shape[-1]), dtype="float32")
    probs[np.concatenate(data.batches)] = model.predict(data, verbose=0)
    return probs
