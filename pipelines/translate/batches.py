"""Sentence-pair batches for teacher forcing, bucketed by length (`pipelines.core.bucketing`).

```
x = {"source": ids + pad, "target_in": <s> y_1 … y_n + pad}    y = y_1 … y_n </s> + pad
```
Padding is id 0 on both sides; the loss ignores it (`masked_sparse_crossentropy`).
"""

from __future__ import annotations

import numpy as np

from pipelines.core.bucketing import BucketedDataset, pad
from pipelines.core.mapped import as_rows, row_lengths
from pipelines.translate.codec import END_ID, START_ID


class PairDataset(BucketedDataset):
    """Batches of ``({"source", "target_in"}, target_out)`` from ragged id sequences."""

    def __init__(self, source_ids, target_ids, **kwargs):
        self.source_ids, self.target_ids = as_rows(source_ids), as_rows(target_ids)
        if len(self.source_ids) != len(self.target_ids):
            raise ValueError(f"{len(self.source_ids)} sources but {len(self.target_ids)} "
                             "targets")
        self._lengths = np.stack([row_lengths(self.source_ids),
                                  row_lengths(self.target_ids) + 1], axis=1)
        super().__init__(**kwargs)

    def lengths(self) -> np.ndarray:
        return self._lengths

    def make_batch(self, rows, widths):
        source_width, target_width = widths
        source = pad([self.source_ids[r] for r in rows], source_width)
        target_in = pad([np.concatenate([[START_ID], self.target_ids[r]]) for r in rows],
                        target_width)
        target_out = pad([np.concatenate([self.target_ids[r], [END_ID]]) for r in rows],
                         target_width)
        return {"source": source, "target_in": target_in}, target_out
