"""Length-bucketed batches of token ids through `keras.utils.PyDataset`.

Texts are shuffled, then sorted by length within pools of ``bucket_batches`` batches
and cut into batches whose order is shuffled again: each batch holds texts of similar
length, so padding (masked, but still stepped through by the RNN) stays small. A batch
pads to its longest text rounded up to ``pad_multiple``, so few distinct shapes compile.
Without shuffling (evaluation) the texts are sorted by length once; ``order`` maps
batch rows back to input rows (see ``predict_proba``). ``word_dropout`` (training only)
replaces that share of the words of a batch by ``<unk>``, so the model cannot lean on a
few rare words (a movie's title, an actor's name) that identify a training review.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from pipelines.sentiment.text import PAD_ID, UNK_ID


def padded_length(longest: int, pad_multiple: int = 1) -> int:
    """``longest`` rounded up to a multiple of ``pad_multiple`` (at least one step)."""
    return max(1, math.ceil(int(longest) / pad_multiple) * pad_multiple)


def pad(sequences, pad_multiple: int = 1) -> np.ndarray:
    """Right-pad int sequences with ``PAD_ID`` into ``[n, length]`` int32."""
    length = padded_length(max((len(s) for s in sequences), default=0), pad_multiple)
    out = np.full((len(sequences), length), PAD_ID, dtype="int32")
    for row, seq in enumerate(sequences):
        out[row, : len(seq)] = seq
    return out


class BucketedDataset(keras.utils.PyDataset):
    """Batches ``(ids, labels)`` (or ``(ids,)``) of ragged sequences, bucketed by length."""

    def __init__(self, sequences, labels=None, batch_size=32, shuffle=False, seed=0,
                 bucket_batches=50, pad_multiple=16, word_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.sequences = list(sequences)
        self.labels = None if labels is None else np.asarray(labels, dtype="int32")
        self.batch_size, self.shuffle = batch_size, shuffle
        self.bucket_batches, self.pad_multiple = bucket_batches, pad_multiple
        self.word_dropout = word_dropout
        self.lengths = np.array([len(s) for s in self.sequences], dtype="int64")
        self.rng = np.random.default_rng(seed)
        self._arrange()

    def _arrange(self):
        n, size = len(self.sequences), self.batch_size
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            self.batches = [order[i : i + size] for i in range(0, n, size)]
        else:
            order = self.rng.permutation(n)
            pool = size * max(1, self.bucket_batches)
            self.batches = []
            for start in range(0, n, pool):
                chunk = order[start : start + pool]
                chunk = chunk[np.argsort(self.lengths[chunk], kind="stable")]
                self.batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
            self.rng.shuffle(self.batches)
        self._vary_first_two()
        self.order = np.concatenate(self.batches) if self.batches else np.zeros(0, "int64")

    def _vary_first_two(self):
        """Give batches 0 and 1 different lengths, swapping a later batch in if needed.

        On TensorFlow, Keras reads the dataset's signature off its first two batches;
        if their lengths agree, that length is fixed and a longer batch fails.
        """
        lengths = [self._padded(b) for b in self.batches]
        if len(lengths) < 2 or lengths[0] != lengths[1]:
            return
        other = next((j for j in range(2, len(lengths)) if lengths[j] != lengths[0]), None)
        if other is not None:
            self.batches[1], self.batches[other] = self.batches[other], self.batches[1]

    def _padded(self, rows) -> int:
        return padded_length(self.lengths[rows].max(), self.pad_multiple)

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        rows = self.batches[index]
        x = pad([self.sequences[r] for r in rows], self.pad_multiple)
        if self.word_dropout:
            drop = (self.rng.random(x.shape) < self.word_dropout) & (x != PAD_ID)
            x[drop] = UNK_ID
        if self.labels is None:
            return (x,)
        return x, self.labels[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self._arrange()

    def padding_share(self) -> float:
        """Share of padded positions over all batches (the waste bucketing avoids)."""
        cells = sum(len(b) * self._padded(b) for b in self.batches)
        return 1.0 - self.lengths.sum() / max(cells, 1)


def predict_proba(model, sequences, batch_size=128, pad_multiple=16) -> np.ndarray:
    """Class probabilities ``[n, classes]`` in input order."""
    data = BucketedDataset(sequences, batch_size=batch_size, pad_multiple=pad_multiple)
    if not len(data):
        return np.zeros((0, model.output_shape[-1]), dtype="float32")
    out = np.empty((len(data.order), model.output_shape[-1]), dtype="float32")
    done = 0
    for i in range(len(data)):  # predict_on_batch: no progress bar, no retracing per call
        probs = np.asarray(model.predict_on_batch(data[i][0]))
        out[data.order[done : done + len(probs)]] = probs
        done += len(probs)
    return out
