"""Studies: rnnkit's claims turned into evidence, one module, one config, one command each.

`rnnkit study NAME [--smoke]` runs `pipelines.studies.<NAME>.run` on its `Params`, with
the profile overlays of `experiments/studies/<NAME>.yaml`, and writes
`experiments/results/<NAME>/` (see `framework`).

Importing this package costs nothing (task discovery imports every subpackage of
`pipelines`): the names below are imported from `framework`, which imports MLflow,
when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.studies.framework import (
        STUDIES,
        StudyOutput,
        StudyRun,
        UnknownStudyError,
        available,
        load_params,
        run_study,
    )

__all__ = [
    "STUDIES",
    "StudyOutput",
    "StudyRun",
    "UnknownStudyError",
    "available",
    "load_params",
    "run_study",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("pipelines.studies.framework"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
