"""The task registry: task name -> the package that implements it.

A task package (``pipelines/<task>/``) exposes ``Config`` and the four stage functions
(see ``pipelines.core.types.TaskModule``) and ships ``config.yaml`` beside its
``__init__.py``. Tasks listed here whose package does not exist yet are reported as
"not yet available" rather than failing with an import error.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pipelines.core import config as config_mod
from pipelines.core.errors import NotAvailableError, UnknownTaskError
from pipelines.core.types import STAGES


@dataclass(frozen=True)
class TaskInfo:
    """A registry entry: ``module`` is an import path, or a module-like object (tests)."""

    name: str
    module: str | Any
    summary: str


TASKS: dict[str, TaskInfo] = {
    info.name: info
    for info in (
        TaskInfo(
            "forecast", "pipelines.forecast", "Multi-step forecasting of weather and stock series."
        ),
        TaskInfo(
            "speech",
            "pipelines.speech",
            "Spoken-digit / speech-command recognition from spectrogram chunks.",
        ),
        TaskInfo("sentiment", "pipelines.sentiment", "Sentiment classification of movie reviews."),
        TaskInfo(
            "translate",
            "pipelines.translate",
            "English -> Spanish translation with an attention encoder-decoder.",
        ),
    )
}


@dataclass(frozen=True)
class Task:
    """A loaded task: its module, config class and config file."""

    name: str
    module: Any
    config_cls: type
    config_path: Path

    def load_config(self, profile: str = "default", overrides: Sequence[str] = ()) -> Any:
        """The task's resolved config (raises ``ConfigError`` on any problem)."""
        return config_mod.load_config(self.config_cls, self.config_path, profile, overrides)

    def hook(self, name: str) -> Any | None:
        """An optional function of the task module (``register``, ``predict``), or None."""
        fn = getattr(self.module, name, None)
        return fn if callable(fn) else None


def register_task(name: str, module: str | Any, summary: str = "") -> None:
    """Add or replace a registry entry (used by tests and out-of-tree tasks)."""
    TASKS[name] = TaskInfo(name, module, summary)


def task_names() -> list[str]:
    """All registered task names, in registry order."""
    return list(TASKS)


def info(name: str) -> TaskInfo:
    """The registry entry of ``name``; ``UnknownTaskError`` suggests a close name."""
    if name not in TASKS:
        close = difflib.get_close_matches(name, TASKS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise UnknownTaskError(
            f"Unknown task {name!r}.{hint} Known tasks: {', '.join(TASKS)} (see 'rnnkit tasks')."
        )
    return TASKS[name]


def is_available(name: str) -> bool:
    """Whether the task's package exists, without importing it."""
    module = info(name).module
    if not isinstance(module, str):
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def get_task(name: str) -> Task:
    """Import and check the task ``name``.

    Raises:
        UnknownTaskError: ``name`` is not registered.
        NotAvailableError: the task is planned but its package does not exist yet.
        TypeError: the package exists but lacks part of the stage contract (a bug).
    """
    entry = info(name)
    module = _import(entry)
    missing = [attr for attr in ("Config", *STAGES) if not hasattr(module, attr)]
    if missing:
        raise TypeError(
            f"Task module for {name!r} lacks {', '.join(missing)}; a task must "
            f"define Config and the stages {', '.join(STAGES)}."
        )
    path = getattr(module, "CONFIG_PATH", None)
    if path is None:
        path = Path(module.__file__).parent / "config.yaml"
    return Task(name=name, module=module, config_cls=module.Config, config_path=Path(path))


def _import(entry: TaskInfo) -> ModuleType | Any:
    if not isinstance(entry.module, str):
        return entry.module
    try:
        return importlib.import_module(entry.module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (
            entry.module == exc.name or entry.module.startswith(exc.name + ".")
        ):
            folder = entry.module.replace(".", "/")
            raise NotAvailableError(
                f"Task {entry.name!r} is not yet available: its package {folder}/ has not "
                f"been written. Available now: "
                f"{', '.join(n for n in TASKS if is_available(n)) or '(none)'}."
            ) from exc
        raise  # a dependency inside the task is missing: a real import error
