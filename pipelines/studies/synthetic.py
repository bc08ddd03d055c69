"""Synthetic long-memory tasks (NumPy generators).

Adding problem (Hochreiter & Schmidhuber 1997; Le, Jaitly & Hinton 2015): each step
carries a value `v_t ~ U(0, 1)` and a marker `m_t ∈ {0, 1}`; exactly two steps are
marked, one in each half of the sequence, and the target is

    y = Σ_t m_t v_t.

Predicting the mean, 1, gives MSE Var(v_a + v_b) = 2/12 ≈ 0.167.

Remember the first symbol: `T` one-hot symbols from an alphabet of `K`; the target is the
first one, so the network must carry it across `T - 1` distractors. Chance accuracy 1/K.
"""

from __future__ import annotations

import numpy as np

ADDING_MEAN_BASELINE_MSE = 2.0 / 12.0


def adding_problem(n, steps, rng):
    """`x [n, steps, 2]` (value, marker) float32 and `y [n, 1]`."""
    values = rng.uniform(0.0, 1.0, size=(n, steps)).astype("float32")
    half = steps // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, steps, size=n)
    markers = np.zeros((n, steps), dtype="float32")
    markers[np.arange(n), first] = 1.0
    markers[np.arange(n), second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values * markers).sum(axis=1, keepdims=True)
    return x, y.astype("float32")


def first_symbol(n, steps, symbols, rng):
    """`x [n, steps, symbols]` one-hot float32 and `y [n]` int: the first symbol's id."""
    ids = rng.integers(0, symbols, size=(n, steps))
    x = np.eye(symbols, dtype="float32")[ids]
    return x, ids[:, 0].astype("int32")
