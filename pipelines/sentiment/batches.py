"""Length-bucketed batches of token ids (`pipelines.core.bucketing`), with word dropout.

``word_dropout`` (training only) replaces that share of the words of a batch by
``<unk>``, so the model cannot lean on a few rare words (a movie's title, an actor's
name) that identify a training review.

With ``bags`` (the n-gram ids of each whole text, `TextEncoder.bags`) a batch's inputs
are ``{"tokens": ids, "ngrams": bag ids}``, as a classifier with an n-gram channel reads
them; the bags pad to multiples of ``BAG_PAD`` (few distinct shapes to compile).
"""

from __future__ import annotations

import numpy as np

from pipelines.core.bucketing import BucketedDataset, pad, padded_length, predict_in_order
from pipelines.core.mapped import as_rows, row_lengths
from pipelines.sentiment.text import PAD_ID, UNK_ID

BAG_PAD = 128


class TokenBatches(BucketedDataset):
    """Batches ``(inputs, labels)`` (or ``(inputs,)``) of ragged token-id sequences."""

    def __init__(self, sequences, labels=None, batch_size=32, shuffle=False, seed=0,
                 bucket_batches=50, pad_multiple=16, word_dropout=0.0, bags=None, **kwargs):
        self.sequences = as_rows(sequences)
        self.bags = None if bags is None else as_rows(bags)
        self.labels = None if labels is None else np.asarray(labels, dtype="int32")
        self.word_dropout = word_dropout
        self._lengths = row_lengths(self.sequences)
        if self.bags is not None:
            self._lengths = np.stack([self._lengths, row_lengths(self.bags)], axis=1)
        super().__init__(batch_size, shuffle, seed, bucket_batches, pad_multiple, **kwargs)

    def lengths(self) -> np.ndarray:
        return self._lengths

    def _padded(self, longest) -> tuple[int, ...]:
        widths = super()._padded(longest)
        if self.bags is None:
            return widths
        return widths[0], padded_length(np.atleast_1d(longest)[1], BAG_PAD)

    def make_batch(self, rows, widths):
        x = pad([self.sequences[r] for r in rows], widths[0], value=PAD_ID, dtype="int32")
        if self.word_dropout:
            drop = (self.rng.random(x.shape) < self.word_dropout) & (x != PAD_ID)
            x[drop] = UNK_ID
        if self.bags is not None:
            x = {"tokens": x,
                 "ngrams": pad([self.bags[r] for r in rows], widths[1], dtype="int32")}
        if self.labels is None:
            return (x,)
        return x, self.labels[rows]


def predict_proba(model, sequences, batch_size=128, pad_multiple=16, bags=None) -> np.ndarray:
    """Class probabilities ``[n, classes]`` in input order."""
    data = TokenBatches(sequences, batch_size=batch_size, pad_multiple=pad_multiple, bags=bags)
    return predict_in_order(model, data)
