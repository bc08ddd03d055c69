"""A study's recurrent layer: its typed config entry, building it, sizing it to a budget.

An entry (``LayerEntry``) is ``{label, cell, gain?, kwargs?}``: ``label`` names it in
tables and plots, ``cell`` is a registry name (``rnnkit.names.RECURRENT_NAMES``), ``gain``
scales an orthogonal recurrent initializer (all singular values of ``W`` equal ``gain``),
``kwargs`` go to the layer (``rnnkit.models.build_recurrent``).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

import keras
from pydantic import Field, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from pipelines.core.config import ConfigModel, broken_rule, invalid
from rnnkit.models import build_recurrent
from rnnkit.names import RECURRENT_NAMES

CellName = Literal[RECURRENT_NAMES]  # type: ignore[valid-type]
Label = Annotated[str, Field(min_length=1)]
PositiveFloat = Annotated[float, Field(gt=0)]


class LayerEntry(ConfigModel):
    """One recurrent layer of a study.

    Args:
        label: Its name in tables, plots and metrics (unique within a study's list).
        cell: A registry name (``rnnkit.names.RECURRENT_NAMES``).
        gain: Orthogonal recurrent initializer with every singular value of ``W`` equal
            to ``gain``; ``None`` keeps the layer's own initializer.
        kwargs: Keyword arguments of the layer (``delays``, ``periods``, ``alpha``,
            ``tau_range``, ``cell``, ``num_layers`` ...), checked when it is built.
    """

    label: Label
    cell: CellName
    gain: PositiveFloat | None = None
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _explain_entry(cls, data: Any, info: ValidationInfo) -> Any:
        """Say which key of an entry is wrong: config messages name an item of a list
        (``cells[0]``) only as a whole."""
        if not isinstance(data, Mapping) or (info.context or {}).get(_CHECKED):
            return data
        try:
            cls.model_validate(data, context={_CHECKED: True})
        except ValidationError as exc:
            problem = _entry_problems(cls, exc)
            error = invalid(problem)  # an item of a list: "item cells[0] must be <problem>"
            raise PydanticCustomError(error.type, error.message_template, {
                **(error.context or {}), "message": f"it must be {problem}", "keys": ()},
            ) from None  # ... and built on its own: "Invalid config LayerEntry: <message>"
        return data


_CHECKED = "rnnkit_entry_checked"


def _entry_problems(cls: type[LayerEntry], exc: ValidationError) -> str:
    fields = list(cls.model_fields)
    problems = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"]) or "the entry"
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(key, fields, n=1)
            problems.append(f"unknown key {key!r}"
                            + (f", did you mean {close[0]!r}?" if close else ""))
        elif error["type"] == "missing":
            problems.append(f"{key!r} is missing")
        else:
            text = f"{key} {error.get('input')!r}: {error['msg'].removeprefix('Value error, ')}"
            close = difflib.get_close_matches(str(error.get("input")), RECURRENT_NAMES, n=1)
            if key == "cell" and close:
                text += f"; did you mean {close[0]!r}?"
            problems.append(text)
    return f"an entry with keys {', '.join(fields)} ({'; '.join(problems)})"


def check_labels(entries: Sequence[LayerEntry], key: str) -> None:
    """For a study's model validator: the labels of ``entries`` (the field ``key``) differ."""
    counts = Counter(e.label for e in entries)
    twice = [label for label, n in counts.items() if n > 1]
    if twice:
        raise broken_rule(f"the labels of {key} must differ; received {twice[0]!r} "
                          f"{counts[twice[0]]} times", key)


def layer_kwargs(entry: LayerEntry) -> dict[str, Any]:
    kwargs = dict(entry.kwargs)
    if entry.gain is not None:
        kwargs["recurrent_initializer"] = keras.initializers.Orthogonal(gain=float(entry.gain))
    for key in ("delays", "periods", "tau_range"):  # YAML lists -> tuples
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    return kwargs


def recurrent(entry: LayerEntry, units: int, **flags):
    return build_recurrent(entry.cell, units, **layer_kwargs(entry), **flags)


def units_step(entry: LayerEntry) -> int:
    """Units must be a multiple of this (multiscale: one group per period)."""
    if entry.cell == "multiscale":
        return len(entry.kwargs.get("periods", (1, 2, 4, 8)))
    return 1


def units_for_budget(entry: LayerEntry, budget: int,
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
