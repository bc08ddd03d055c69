"""Bucketed batches of variable-length frame sequences (`pipelines.core.bucketing`).

Clips of similar length share a batch, padded with all-zero frames (masked by the
model) up to a multiple of `PAD_MULTIPLE`, so few shapes compile and little is padding.
"""

from __future__ import annotations

import numpy as np

from pipelines.core.bucketing import BucketedDataset, pad, predict_in_order
from pipelines.speech.augment import spec_augment
from pipelines.speech.config import FeaturizeConfig

PAD_MULTIPLE = 16


class FrameDataset(BucketedDataset):
    """Batches of `versions[i][v]` (clip i, version v: 0 = original, then augmented).

    Training (`shuffle=True`) draws one version per clip each epoch, groups clips by
    length, shuffles the batch order and applies SpecAugment when `augment` is given;
    otherwise it reads version 0 in length order (`order` maps batch rows back to clip
    indices). With `featurizer`, frames are scaled by its train statistics.
    """

    def __init__(self, versions, labels=None, batch_size=32, shuffle=False, seed=0,
                 augment: FeaturizeConfig | None = None, featurizer=None, **kwargs):
        self.versions, self.featurizer = versions, featurizer
        self.labels = None if labels is None else np.asarray(labels, dtype="int32")
        self.augment = augment if augment is not None and augment.spec_augment else None
        self.choice = np.zeros(len(versions), dtype="int64")
        self._draws = np.random.default_rng(seed + 1)
        super().__init__(batch_size, shuffle, seed, pad_multiple=PAD_MULTIPLE, **kwargs)

    def _plan(self) -> None:
        if self.shuffle:  # one version per clip for this epoch
            self.choice = np.array([self._draws.integers(len(v)) for v in self.versions])
        super()._plan()

    def lengths(self) -> np.ndarray:
        return np.array([len(v[c]) for v, c in zip(self.versions, self.choice, strict=True)])

    def longest_possible(self) -> np.ndarray:
        return np.array([max(len(f) for v in self.versions for f in v)])

    def make_batch(self, rows, widths):
        frames = [self.versions[i][self.choice[i]] for i in rows]
        if self.featurizer is not None:
            frames = [self.featurizer.normalize(f) for f in frames]
        x = pad(frames, widths[0], dtype="float32")
        if self.augment is not None:
            lengths = np.array([len(f) for f in frames])
            x = spec_augment(x, lengths, self.augment, self.rng)
        if self.labels is None:
            return (x,)
        return x, self.labels[rows]


def predict_proba(model, frames: list[np.ndarray], batch_size: int = 64) -> np.ndarray:
    """Class probabilities `[N, classes]` in the order of `frames`."""
    return predict_in_order(model, FrameDataset([[f] for f in frames], batch_size=batch_size))


def predict_versions(model, versions: list[list[np.ndarray]],
                     batch_size: int = 64) -> list[np.ndarray]:
    """Per clip, the probabilities `[V_i, classes]` of each of its versions (the clip and
    its test-time copies), all predicted in one pass."""
    flat = [f for clip in versions for f in clip]
    probs = predict_proba(model, flat, batch_size)
    ends = np.cumsum([len(clip) for clip in versions])
    return np.split(probs, ends[:-1]) if len(versions) else []


def average_versions(model, versions: list[list[np.ndarray]]) -> np.ndarray:
    """Test-time augmentation: per clip, the mean probability over its versions."""
    return np.stack([p.mean(axis=0) for p in predict_versions(model, versions)])
