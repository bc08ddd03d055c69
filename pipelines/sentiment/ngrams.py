"""Hashed word n-grams of a whole text, and their naive-Bayes log-count ratios.

Plain Python and NumPy (no TensorFlow, no scikit-learn), so serving computes them as
training did, on every backend:

```
h(w)            = CRC-32 of the word's UTF-8 bytes                     (stable everywhere)
g(w_i … w_i+n-1) = (…(h(w_i)·P + h(w_i+1))·P + …) mod 2^64,  P the 64-bit FNV prime
id               = 1 + g mod K                                         (0 is padding)
bag(text)        = the sorted distinct ids of every n-gram, n = 1 … order
r_j              = log((p_j / ‖p‖₁) / (q_j / ‖q‖₁)),  p = 1 + Σ_{positive texts} [j ∈ bag],
                                                      q = 1 + Σ_{negative texts} [j ∈ bag]
```

`r` is NBSVM's scale (Wang & Manning 2012), fitted on the training split only; it is
defined for two classes (the second is "positive"); with more classes every id keeps
scale 1 (a plain linear model over binary n-grams).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

import numpy as np

PRIME = np.uint64(0x100000001B3)


def ngram_ids(words: Sequence[str], order: int, buckets: int) -> np.ndarray:
    """The bag of `words`: sorted distinct ids in `[1, buckets]` of its 1 … `order`-grams."""
    if not len(words):
        return np.zeros(0, dtype="int32")
    h = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64,
                    count=len(words))
    grams, g = [h], h
    for n in range(2, order + 1):
        if len(g) < 2:
            break
        g = g[:-1] * PRIME + h[n - 1:]  # wraps modulo 2^64
        grams.append(g)
    ids = np.concatenate(grams) % np.uint64(buckets) + np.uint64(1)
    return np.unique(ids).astype("int32")


def nb_ratios(bags: Iterable[np.ndarray], labels: np.ndarray, buckets: int,
              num_classes: int) -> np.ndarray:
    """`r` per id `[buckets + 1]` (row 0, padding, is 0); ones with other than 2 classes."""
    if num_classes != 2:
        return np.ones(buckets + 1, dtype="float32")
    bags, labels = list(bags), np.asarray(labels)
    counts = []
    for label in (1, 0):
        chosen = [b for b, y in zip(bags, labels, strict=True) if y == label]
        ids = np.concatenate(chosen) if chosen else np.zeros(0, "int64")
        counts.append(1.0 + np.bincount(ids, minlength=buckets + 1))
    p, q = counts
    r = np.log(p / p.sum()) - np.log(q / q.sum())
    r[0] = 0.0
    return r.astype("float32")
