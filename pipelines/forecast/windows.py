"""Windows cut lazily from one array per series, fed through `keras.utils.PyDataset`."""

from __future__ import annotations

import math

import keras
import numpy as np

from pipelines.core import distributed


class WindowSet:
    """The windows of one split: `(series id, end)` pairs over per-series arrays.

    Window `(s, e)` reads inputs `matrix_s[e - lookback + 1 : e + 1]` and targets
    `target_s[e + 1 : e + 1 + horizon]`. Inputs come from a
    `sliding_window_view` (no copy per window); a batch copies only itself.
    """

    def __init__(self, matrices, targets, index, lookback, horizon):
        self.lookback, self.horizon = lookback, horizon
        self.index = np.asarray(index, dtype="int64").reshape(-1, 2)
        # [n - lookback + 1, features, lookback] views, one per series
        self.views = [
            np.lib.stride_tricks.sliding_window_view(m, lookback, axis=0) for m in matrices
        ]
        self.target_views = [
            np.lib.stride_tricks.sliding_window_view(t, horizon) for t in targets
        ]

    def __len__(self):
        return len(self.index)

    def inputs(self, rows):
        """`[len(rows), lookback, features]` float32."""
        out = [self.views[s][e - self.lookback + 1] for s, e in self.index[rows]]
        return np.stack(out).transpose(0, 2, 1)

    def targets(self, rows):
        """`[len(rows), horizon]`."""
        return np.stack([self.target_views[s][e + 1] for s, e in self.index[rows]])


class WindowDataset(keras.utils.PyDataset):
    """Batches of a `WindowSet` for `model.fit`/`predict`, on every Keras backend.

    With `series_ids` (the embedding id of each series of the set) the inputs are
    ``{"window": x, "series": ids}``, as a model with a series embedding reads them.
    Made under a multi-process distribution, each process reads its own rows of every
    batch (`pipelines.core.distributed.local_rows`).
    """

    def __init__(self, windows, batch_size, shuffle=False, seed=0, with_targets=True,
                 series_ids=None, **kwargs):
        super().__init__(**kwargs)
        self.windows, self.batch_size = windows, batch_size
        self.series_ids = None if series_ids is None else np.asarray(series_ids, "int32")
        self.shuffle, self.with_targets = shuffle, with_targets
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(windows), dtype="int32" if len(windows) < 2**31 else None)
        self.shard = distributed.current_shard()
        if shuffle:
            self.rng.shuffle(self.order)

    def __len__(self):
        return math.ceil(len(self.windows) / self.batch_size)

    def __getitem__(self, batch):
        rows = self.order[batch * self.batch_size : (batch + 1) * self.batch_size]
        rows = distributed.local_rows(rows, self.shard)
        x = self.windows.inputs(rows).astype("float32")
        if self.series_ids is not None:  # a global model: {"window", "series"}
            x = {"window": x, "series": self.series_ids[self.windows.index[rows, 0]]}
        if not self.with_targets:
            return (x,)
        return x, self.windows.targets(rows).astype("float32")

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
