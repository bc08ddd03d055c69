"""Build a study's recurrent layer from a YAML entry, and size it to a parameter budget.

An entry is a mapping ``{label, cell, gain?, units?, kwargs?}``: ``cell`` is a registry
name (``rnnkit.models.RECURRENT_NAMES``), ``gain`` scales an orthogonal recurrent
initializer (all singular values of ``W`` equal ``gain``), ``kwargs`` go to the layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras

from rnnkit.models import build_recurrent


def layer_kwargs(entry: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = dict(entry.get("kwargs") or {})
    if entry.get("gain") is not None:
        kwargs["recurrent_initializer"] = keras.initializers.Orthogonal(gain=float(entry["gain"]))
    for key in ("delays", "periods", "tau_range"):  # YAML lists -> tuples
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    return kwargs


def recurrent(entry: Mapping[str, Any], units: int, **flags):
    return build_recurrent(entry["cell"], units, **layer_kwargs(entry), **flags)


def units_step(entry: Mapping[str, Any]) -> int:
    """Units must be a multiple of this (multiscale: one group per period)."""
    if entry["cell"] == "multiscale":
        return len((entry.get("kwargs") or {}).get("periods", (1, 2, 4, 8)))
    return 1


def units_for_budget(entry: Mapping[str, Any], budget: int,
                     count: Callable[[int], int]) -> tuple[int, int]:
    """The units whose model size ``count(units)`` is closest to ``budget``, and that size."""
    step = units_step(entry)
    low, high = 1, 1  # in multiples of step; count grows with units
    while count(high * step) < budget and high < 1024:
        low, high = high, high * 2
    while high - low > 1:  # count(low·step) < budget <= count(high·step)
        middle = (low + high) // 2
        if count(middle * step) < budget:
            low = middle
        else:
            high = middle
    sizes = [(u * step, count(u * step)) for u in {low, high}]
    return min(sizes, key=lambda pair: abs(pair[1] - budget))
