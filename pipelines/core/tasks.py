"""Tasks, found and not listed: each task package declares one ``TaskSpec``.

A task is a package whose ``__init__.py`` defines ``TASK = TaskSpec(...)``: its name, a
one-line summary, its config model, its stages, its primary metric and direction, the
params ``rnnkit compare`` shows, and its serving and retrain hooks. Everything else --
``rnnkit tasks``, ``run``, ``predict``, ``serve``, ``compare``, ``retrain``, the
studies, the tests -- reads the specs; no table lists the tasks (as Kedro's
``find_pipelines()``: adding a task edits nothing outside its package).

Discovery: every subpackage of ``pipelines`` whose ``__init__`` defines ``TASK``, and
the packages named in ``$RNNKIT_TASKS`` (comma-separated import names: a task kept
outside this repository, or the toy task of the tests).

A spec's functions are references: the function itself, or ``"module:name"`` where a
module starting with ``.`` is relative to the task's package (``home``). They are
imported when first used, so a task's ``__init__`` stays light: ``rnnkit tasks`` and
``rnnkit predict`` import no training code.
"""

from __future__ import annotations

import difflib
import importlib
import os
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pipelines.core import config as config_mod
from pipelines.core.errors import UnknownTaskError
from pipelines.core.types import STAGES

Ref = str | Callable[..., Any]
HOOKS = ("package", "register", "predict", "score_model")


@dataclass(frozen=True)
class TaskSpec:
    """Everything rnnkit needs to know about a task, in one place.

    Args:
        name: The task's name on the command line (``rnnkit run NAME``).
        summary: One line for ``rnnkit tasks``.
        config: The config model (a ``pipelines.core.config.ConfigModel`` with the
            sections ``data featurize model train evaluate``), or a reference to it.
        home: The task's package (``__name__`` in its ``__init__``); relative references
            and ``config.yaml`` (the profiles) are found there.
        metrics: The report's model metrics, each with whether higher is better, e.g.
            ``{"mae": False, "rmse": False}``; the first is the primary one, by which
            ``rnnkit compare`` ranks and ``rnnkit retrain`` promotes, unless ``primary``.
        primary: The primary metric, when not the first of ``metrics``.
        key_params: The params ``rnnkit compare`` shows beside each run.
        stages: References to ``ingest featurize train evaluate``; default
            ``.ingest:ingest`` ... (a module per stage in the task's package).
        package: ``(cfg, trained, features, report) -> serving.ModelPackage``: the model
            the runner logs and registers (``register`` instead logs it itself).
        register: ``(cfg, trained, features, report, run) -> None``.
        predict: ``(inputs: list[str], model_uri | None) -> list[dict]`` for
            ``rnnkit predict``: one dict per input (an ``"error"`` key when it failed).
        score_model: ``(cfg, raw, features, model) -> dict`` for ``rnnkit retrain``: the
            report metrics of any registered version on this run's test split.
        sources: ``data.source`` values, for ``rnnkit tasks``.
        profiles_path: The profiles file; default ``config.yaml`` in ``home``.
    """

    name: str
    summary: str
    config: Ref | type
    home: str
    metrics: Mapping[str, bool]
    primary: str = ""
    key_params: tuple[str, ...] = ("model.cell", "model.units", "train.epochs")
    stages: Mapping[str, Ref] = field(default_factory=dict)
    package: Ref | None = None
    register: Ref | None = None
    predict: Ref | None = None
    score_model: Ref | None = None
    sources: tuple[str, ...] = ()
    profiles_path: str | Path | None = None

    def __post_init__(self):
        if not self.metrics:
            raise TypeError(f"TaskSpec {self.name!r} declares no metrics.")
        if self.primary and self.primary not in self.metrics:
            raise TypeError(f"TaskSpec {self.name!r}: primary metric {self.primary!r} is not "
                            f"one of its metrics {list(self.metrics)}.")
        unknown = set(self.stages) - set(STAGES)
        if unknown:
            raise TypeError(f"TaskSpec {self.name!r} has unknown stages {sorted(unknown)}; "
                            f"the stages are {', '.join(STAGES)}.")

    # --- what the runner, compare and retrain read ------------------------------------
    @property
    def primary_metric(self) -> str:
        return self.primary or next(iter(self.metrics))

    @property
    def higher_is_better(self) -> bool:
        """The direction of the primary metric."""
        return self.metrics[self.primary_metric]

    def higher(self, metric: str) -> bool:
        """Whether higher is better for ``metric`` (a metric the spec does not declare
        is read as lower-is-better unless it looks like a score: accuracy, f1, ...)."""
        if metric in self.metrics:
            return self.metrics[metric]
        return metric.split("_")[0] in {"accuracy", "f1", "roc", "bleu", "chrf",
                                        "directional", "coverage"}

    @cached_property
    def config_class(self) -> type:
        return self.resolve(self.config)

    @property
    def config_path(self) -> Path:
        if self.profiles_path is not None:
            return Path(self.profiles_path)
        module = importlib.import_module(self.home)
        return Path(module.__file__).parent / "config.yaml"

    def load_config(self, profile: str = "default", overrides: Sequence[str] = ()) -> Any:
        """The task's resolved config (raises ``ConfigError`` on any problem)."""
        return config_mod.load_config(self.config_class, self.config_path, profile, overrides)

    def stage(self, name: str) -> Callable[..., Any]:
        """The stage function ``name`` (``ingest`` ... ``evaluate``)."""
        return self.resolve(self.stages.get(name, f".{name}:{name}"))

    def hook(self, name: str) -> Callable[..., Any] | None:
        """An optional hook (``package``, ``register``, ``predict``, ``score_model``)."""
        if name not in HOOKS:
            return None
        ref = getattr(self, name)
        return None if ref is None else self.resolve(ref)

    def resolve(self, ref: Ref | type) -> Any:
        """A reference as the object it names."""
        if not isinstance(ref, str):
            return ref
        module, _, attr = ref.partition(":")
        if module.startswith("."):
            module = self.home + module
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise TypeError(f"Task {self.name!r}: cannot import {ref!r} ({exc}).") from exc


# --------------------------------------------------------------------------- discovery

_EXTRA: dict[str, TaskSpec] = {}  # register(): specs added at run time (tests, plugins)
_FOUND: dict[str, dict[str, TaskSpec | Exception]] = {}


def register(spec: TaskSpec) -> None:
    """Add (or replace) a task at run time."""
    _EXTRA[spec.name] = spec


def unregister(name: str) -> None:
    _EXTRA.pop(name, None)


def _task_packages() -> list[str]:
    import pipelines

    names = [f"pipelines.{m.name}" for m in pkgutil.iter_modules(pipelines.__path__)
             if m.ispkg]
    extra = os.environ.get("RNNKIT_TASKS", "")
    return names + [n.strip() for n in extra.split(",") if n.strip()]


def discover() -> dict[str, TaskSpec | Exception]:
    """Task name -> its spec (or the error importing its package raised), cached per
    value of ``$RNNKIT_TASKS``."""
    key = os.environ.get("RNNKIT_TASKS", "")
    if key not in _FOUND:
        found: dict[str, TaskSpec | Exception] = {}
        for package in _task_packages():
            try:
                module = importlib.import_module(package)
            except Exception as exc:  # a broken task must not hide the others
                found[package.rsplit(".", 1)[-1]] = exc
                continue
            spec = getattr(module, "TASK", None)
            if isinstance(spec, TaskSpec):
                found[spec.name] = spec
        _FOUND[key] = found
    return {**_FOUND[key], **_EXTRA}


def task_names() -> list[str]:
    """Every task's name, sorted."""
    return sorted(discover())


def get_task(name: str) -> TaskSpec:
    """The spec of task ``name``.

    Raises:
        UnknownTaskError: no task has that name (a close one is suggested).
        Exception: the task's package failed to import (its error, as raised).
    """
    found = discover()
    if name not in found:
        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise UnknownTaskError(
            f"Unknown task {name!r}.{hint} Known tasks: {', '.join(sorted(found))} "
            "(see 'rnnkit tasks')."
        )
    spec = found[name]
    if isinstance(spec, Exception):
        raise spec
    return spec
