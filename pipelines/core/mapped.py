"""Training data written once to disk and read back memory-mapped.

featurize hands train its arrays (forecast series and windows, text token ids) through
``map_array``: the array is written once to a scratch file, opened again with
``np.load(mmap_mode="r")`` and the file's name is removed at once. The mapping keeps
the data (the kernel frees its blocks when the last mapping goes), so nothing is left
behind when a run ends or dies, and the pages are file-backed: the kernel reads them in
as batches touch them and drops them under memory pressure, instead of holding every
row in the process's anonymous memory. Peak memory of training then follows the batch,
not the data (``experiments/bench_memory.py`` measures it).

Where: ``$RNNKIT_SCRATCH``, else ``$XDG_CACHE_HOME/rnnkit/scratch``
(``~/.cache/rnnkit/scratch``): on disk, not ``/tmp``, which is often a RAM-backed
tmpfs; the system's temporary directory when that cannot be written.
``RNNKIT_SCRATCH=memory`` keeps every array in memory (a read-only copy), for a machine
without a writable disk.

Variable-length rows (token ids of texts) are one ``Ragged``: a flat ``values`` array
and ``offsets``, row ``i`` being ``values[offsets[i]:offsets[i + 1]]`` (as Arrow's list
arrays and ``tf.RaggedTensor``), two mapped arrays instead of one NumPy object per row.
"""

from __future__ import annotations

import array
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

IN_MEMORY = "memory"


def scratch_dir() -> Path | None:
    """Where mapped arrays are written; None when ``RNNKIT_SCRATCH=memory``."""
    chosen = os.environ.get("RNNKIT_SCRATCH")
    if chosen == IN_MEMORY:
        return None
    if chosen:
        return Path(chosen)
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "rnnkit" / "scratch"


def map_array(array, dtype=None) -> np.ndarray:
    """``array`` (as ``dtype``) written once and mapped back read-only.

    Raises:
        OSError: ``$RNNKIT_SCRATCH`` cannot be created, or the array cannot be written
            (a full disk); the message names the directory.
    """
    array = np.ascontiguousarray(array, dtype=dtype)
    where = scratch_dir()
    if where is None or array.dtype.hasobject or array.size == 0:
        copy = array.copy()
        copy.flags.writeable = False
        return copy
    handle, name = _scratch_file(where)
    try:
        with os.fdopen(handle, "wb") as file:
            np.save(file, array)
        # a plain ndarray over the mapping: np.memmap's own __getitem__ costs microseconds
        # a call, which adds up at one call per window
        return np.load(name, mmap_mode="r").view(np.ndarray)
    except OSError as exc:  # a full disk, most likely
        raise OSError(f"Cannot write {array.nbytes / 2**20:.1f} MiB of training data to "
                      f"{Path(name).parent} ({exc}). Free space there, set RNNKIT_SCRATCH "
                      f"to another directory, or to '{IN_MEMORY}'.") from exc
    finally:
        os.unlink(name)


def map_frame(frame):
    """A frame of one numeric dtype with its values, and its index when a timezone-naive
    ``DatetimeIndex``, mapped (``map_array``). A frame of mixed dtypes comes back as it is.
    """
    import pandas as pd  # here: serving imports this module, and pandas is slow to import

    if frame.empty or frame.dtypes.nunique() != 1 or frame.dtypes.iloc[0].hasobject:
        return frame
    index = frame.index
    if isinstance(index, pd.DatetimeIndex) and index.tz is None:
        index = pd.DatetimeIndex(map_array(index.to_numpy()), name=index.name,
                                 freq=index.freq, copy=False)
    return pd.DataFrame(map_array(frame.to_numpy()), index=index, columns=frame.columns,
                        copy=False)


def release_free_heap() -> None:
    """Give the heap that featurize freed back to the system (glibc's ``malloc_trim``).

    Parsing a CSV and building the arrays peaks far above what stays; glibc keeps the
    freed pages for later allocations, so without this the process holds them through
    training. Elsewhere than glibc it does nothing."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl, Windows)
        pass


def _scratch_file(where: Path) -> tuple[int, str]:
    """A new file in ``where``; in the system's temporary directory when the default
    ``where`` cannot be written (a read-only home), an error when ``$RNNKIT_SCRATCH``
    cannot."""
    try:
        where.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(suffix=".npy", prefix="rnnkit-", dir=where)
    except OSError as exc:
        if not os.environ.get("RNNKIT_SCRATCH"):
            return tempfile.mkstemp(suffix=".npy", prefix="rnnkit-")
        raise OSError(f"Cannot write training data to the scratch directory {where} "
                      f"(RNNKIT_SCRATCH): {exc}. Set RNNKIT_SCRATCH to a writable "
                      f"directory, or to '{IN_MEMORY}'.") from exc


def is_mapped(array) -> bool:
    """Whether ``array`` is, or views, a memory-mapped file."""
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = getattr(array, "base", None)
    return False


class Ragged(Sequence):
    """Rows of different lengths: ``values[offsets[i]:offsets[i + 1]]`` is row ``i``.

    A ``Sequence`` of 1-D arrays: ``len``, ``ragged[i]`` (a view, no copy), iteration.
    """

    def __init__(self, values: np.ndarray, offsets: np.ndarray):
        if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(values):
            raise ValueError("offsets must start at 0 and end at len(values)")
        # plain ndarray views of a np.memmap: the same pages, without memmap's slow
        # __getitem__ (which matters at one lookup per row)
        self.values, self.offsets = np.asarray(values), np.asarray(offsets)

    @classmethod
    def from_rows(cls, rows: Iterable, dtype="int32") -> Ragged:
        """One ragged array of ``rows`` (sequences of numbers), in memory."""
        rows = [np.asarray(r, dtype=dtype).reshape(-1) for r in rows]
        values = np.concatenate(rows) if rows else np.zeros(0, dtype)
        return cls.from_lengths(values.astype(dtype, copy=False), [len(r) for r in rows])

    @classmethod
    def from_lengths(cls, values, lengths) -> Ragged:
        """Rows cut from ``values`` in order, row ``i`` of length ``lengths[i]``."""
        offsets = np.zeros(len(lengths) + 1, dtype="int64")
        np.cumsum(lengths, out=offsets[1:])
        return cls(np.asarray(values), offsets)

    def take(self, rows) -> Ragged:
        """Rows ``rows`` (indices, in that order) as a new ragged array in memory."""
        rows = np.asarray(rows, dtype="int64")
        starts, lengths = self.offsets[rows], self.lengths()[rows]
        offsets = np.zeros(len(rows) + 1, dtype="int64")
        np.cumsum(lengths, out=offsets[1:])
        # the position of every kept value: its row's start plus its place in the row
        within = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths)
        return Ragged(self.values[np.repeat(starts, lengths) + within], offsets)

    def mapped(self) -> Ragged:
        """The same rows with both arrays written once and memory-mapped (``map_array``)."""
        return Ragged(map_array(self.values), map_array(self.offsets))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = int(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"row {index} of a Ragged of {len(self)} rows")
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def lengths(self) -> np.ndarray:
        """The length of every row, ``[len(self)]`` int64."""
        return np.diff(self.offsets)

    def __repr__(self) -> str:
        return f"Ragged({len(self)} rows, {len(self.values)} {self.values.dtype} values)"


class Texts(Sequence):
    """Strings kept as one ``Ragged`` of UTF-8 bytes: ``texts[i]`` decodes string ``i``.

    A ``Sequence`` of ``str`` (``len``, indexing, iteration, ``==`` a list of the same
    strings); ``Texts.mapped(strings)`` writes them once and maps them, as
    ``Ragged.mapped``, instead of holding one Python object per string.
    """

    def __init__(self, rows: Ragged):
        self.rows = rows

    @classmethod
    def mapped(cls, strings: Iterable[str]) -> Texts:
        writer = TextsWriter()
        for string in strings:
            writer.add(string)
        return writer.finish()

    def take(self, rows) -> Texts:
        """Strings ``rows`` (indices, in that order), mapped."""
        return Texts(self.rows.take(rows).mapped())

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.rows[index].tobytes().decode("utf-8")

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None

    def __repr__(self) -> str:
        return f"Texts({len(self)} strings, {len(self.rows.values)} bytes)"


class TextsWriter:
    """Strings added one at a time into one UTF-8 buffer (no object per string kept);
    ``finish`` maps them as ``Texts``."""

    def __init__(self):
        self.data, self.lengths = bytearray(), array.array("q")

    def add(self, string: str) -> None:
        encoded = string.encode("utf-8")
        self.data += encoded
        self.lengths.append(len(encoded))

    def __len__(self) -> int:
        return len(self.lengths)

    def finish(self) -> Texts:
        values = np.frombuffer(self.data, "uint8") if self.data else np.zeros(0, "uint8")
        texts = Texts(Ragged.from_lengths(values, self.lengths).mapped())
        self.data, self.lengths = bytearray(), array.array("q")
        return texts


def as_rows(rows: Iterable) -> Sequence:
    """``rows`` kept as they are when ``Ragged`` (no object per row), else as a list."""
    return rows if isinstance(rows, Ragged) else list(rows)


def row_lengths(rows: Sequence) -> np.ndarray:
    """The length of every row of ``rows`` (a ``Ragged`` or a list of arrays), int64."""
    if isinstance(rows, Ragged):
        return rows.lengths()
    return np.array([len(r) for r in rows], dtype="int64")
