"""Length-bucketed batches of token ids (`pipelines.core.bucketing`), with word dropout.

``word_dropout`` (training only) replaces that share of the words of a batch by
``<unk>``, so the model cannot lean on a few rare words (a movie's title, an actor's
name) that identify a training review.
"""

from __future__ import annotations

import numpy as np

from pipelines.core.bucketing import BucketedDataset, pad, predict_in_order
from pipelines.sentiment.text import PAD_ID, UNK_ID


class TokenBatches(BucketedDataset):
    """Batches ``(ids, labels)`` (or ``(ids,)``) of ragged token-id sequences."""

    def __init__(self, sequences, labels=None, batch_size=32, shuffle=False, seed=0,
                 bucket_batches=50, pad_multiple=16, word_dropout=0.0, **kwargs):
        self.sequences = list(sequences)
        self.labels = None if labels is None else np.asarray(labels, dtype="int32")
        self.word_dropout = word_dropout
        self._lengths = np.array([len(s) for s in self.sequences], dtype="int64")
        super().__init__(batch_size, shuffle, seed, bucket_batches, pad_multiple, **kwargs)

    def lengths(self) -> np.ndarray:
        return self._lengths

    def make_batch(self, rows, widths):
        x = pad([self.sequences[r] for r in rows], widths[0], value=PAD_ID, dtype="int32")
        if self.word_dropout:
            drop = (self.rng.random(x.shape) < self.word_dropout) & (x != PAD_ID)
            x[drop] = UNK_ID
        if self.labels is None:
            return (x,)
        return x, self.labels[rows]


def predict_proba(model, sequences, batch_size=128, pad_multiple=16) -> np.ndarray:
    """Class probabilities ``[n, classes]`` in input order."""
    data = TokenBatches(sequences, batch_size=batch_size, pad_multiple=pad_multiple)
    return predict_in_order(model, data)
