"""Length-bucketed batches of ragged sequences as a `keras.utils.PyDataset`.

One base class for every task whose inputs vary in length (token ids, spectrogram
frames, sentence pairs). A subclass says how long each example is (``lengths``: one
column per ragged input) and builds a batch from row indices and padded widths
(``make_batch``); this class plans the batches:

- training (``shuffle=True``): rows are shuffled, sorted by length within pools of
  ``pool_batches`` batches and cut into batches whose order is shuffled again, so a
  batch holds sequences of similar length and padding stays small, yet every epoch
  differs (``on_epoch_end`` replans);
- evaluation: rows sorted by length once; ``order`` maps batch rows back to input rows
  (``predict_in_order``).

A batch pads each ragged input to its longest sequence rounded up to ``pad_multiple``
(few distinct shapes compile). Under a multi-process distribution each process makes
only its own rows of every planned batch (``pipelines.core.distributed``), padded to the
whole batch's widths, so every process plans alike. On TensorFlow, Keras reads a PyDataset's input
signature off its first two batches and fixes any axis on which they agree, so a later,
longer batch would fail: batch 1 is padded one multiple wider wherever it would equal
batch 0, and a lone batch is padded to the longest length the dataset can produce.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from pipelines.core import distributed


def padded_length(longest: int, pad_multiple: int = 1) -> int:
    """``longest`` rounded up to a multiple of ``pad_multiple`` (at least one step)."""
    return max(1, math.ceil(int(longest) / pad_multiple) * pad_multiple)


def pad(sequences, length: int | None = None, pad_multiple: int = 1, value=0,
        dtype=None) -> np.ndarray:
    """Right-pad sequences (arrays ``[len, *features]``) into ``[n, length, *features]``.

    ``length`` defaults to the longest sequence rounded up to ``pad_multiple``.
    """
    arrays = [np.asarray(s) for s in sequences]
    longest = max((len(a) for a in arrays), default=0)
    length = padded_length(longest, pad_multiple) if length is None else int(length)
    if length < longest:
        raise ValueError(f"cannot pad sequences of length {longest} to {length}")
    template = arrays[0] if arrays else np.zeros(0, dtype or "int32")
    dtype = dtype or (template.dtype if template.dtype != np.int64 else np.int32)
    out = np.full((len(arrays), length, *template.shape[1:]), value, dtype=dtype)
    for row, a in enumerate(arrays):
        out[row, : len(a)] = a
    return out


def plan_batches(lengths, batch_size: int, rng: np.random.Generator | None = None,
                 pool_batches: int = 50) -> list[np.ndarray]:
    """Row indices per batch: sorted by length (``rng`` None) or pooled-shuffled."""
    lengths = np.asarray(lengths)
    n = len(lengths)
    if rng is None:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    order = rng.permutation(n)
    pool = batch_size * max(1, pool_batches)
    batches: list[np.ndarray] = []
    for start in range(0, n, pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


class BucketedDataset(keras.utils.PyDataset):
    """Base of the length-bucketed datasets; subclasses set their data, then call this
    ``__init__`` last, and implement ``lengths`` and ``make_batch``."""

    def __init__(self, batch_size: int = 32, shuffle: bool = False, seed: int = 0,
                 pool_batches: int = 50, pad_multiple: int = 16, **kwargs):
        super().__init__(**kwargs)
        self.batch_size, self.shuffle = int(batch_size), bool(shuffle)
        self.pool_batches, self.pad_multiple = int(pool_batches), int(pad_multiple)
        self.rng = np.random.default_rng(seed)
        self.shard = distributed.current_shard()
        self._plan()

    # -- what a subclass provides ----------------------------------------------------
    def lengths(self) -> np.ndarray:
        """Lengths ``[n]`` or ``[n, k]`` (one column per ragged input) of this epoch."""
        raise NotImplementedError

    def longest_possible(self) -> np.ndarray:
        """The longest length per ragged input over all epochs (augmented versions)."""
        return self._columns(self.lengths()).max(axis=0)

    def make_batch(self, rows: np.ndarray, widths: tuple[int, ...]):
        """The batch of ``rows``, each ragged input padded to its entry of ``widths``."""
        raise NotImplementedError

    # -- planning --------------------------------------------------------------------
    @staticmethod
    def _columns(lengths) -> np.ndarray:
        lengths = np.asarray(lengths, dtype="int64")
        return lengths[:, None] if lengths.ndim == 1 else lengths

    def _plan(self) -> None:
        columns = self._columns(self.lengths())
        rng = self.rng if self.shuffle else None
        self.batches = plan_batches(columns.max(axis=1), self.batch_size, rng, self.pool_batches)
        self.widths = [self._padded(columns[rows].max(axis=0)) for rows in self.batches]
        if len(self.batches) == 1:
            self.widths[0] = self._padded(self.longest_possible())
        elif len(self.batches) > 1:
            self.widths[1] = tuple(w1 + self.pad_multiple * (w1 == w0)
                                   for w0, w1 in zip(self.widths[0], self.widths[1], strict=True))
        self.order = np.concatenate(self.batches) if self.batches else np.zeros(0, "int64")

    def _padded(self, longest) -> tuple[int, ...]:
        return tuple(padded_length(x, self.pad_multiple) for x in np.atleast_1d(longest))

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index):
        widths = self.widths[index]
        return self.make_batch(distributed.local_rows(self.batches[index], self.shard), widths)

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self._plan()

    def padding_share(self) -> float:
        """Share of padded positions over all batches (the waste bucketing avoids)."""
        columns = self._columns(self.lengths())
        cells = sum(len(rows) * sum(widths) for rows, widths in zip(self.batches, self.widths,
                                                                    strict=True))
        return 1.0 - columns.sum() / max(cells, 1)


def predict_in_order(model, data: BucketedDataset) -> np.ndarray:
    """``model.predict`` over a non-shuffled bucketed dataset, rows in input order.

    One ``predict`` call: the time axis is free (see the module docstring), so the
    predict function is traced once, not once per padded length.
    """
    if not len(data):
        return np.zeros((0, *model.output_shape[1:]), dtype="float32")
    out = np.asarray(model.predict(data, verbose=0))
    restored = np.empty_like(out)
    restored[data.order] = out
    return restored
