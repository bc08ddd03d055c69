"""Typed values passed between stages and to the runner.

A task defines its own ``Raw``, ``Features`` and ``Trained`` types (dataclasses are
simplest); the runner only needs the ``Report`` that ``evaluate`` returns. What a task
is -- its stages and hooks -- is its ``pipelines.core.tasks.TaskSpec``. ``Provenance``
is the shared record of where ingested data came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STAGES: tuple[str, ...] = ("ingest", "featurize", "train", "evaluate")


@dataclass
class Provenance:
    """Where a dataset was read from: ``Raw`` values should carry one.

    Args:
        source: the dataset's name as the user picks it, e.g. ``"seattle-weather"``.
        path: the file read, or a package resource, e.g. ``"vega_datasets:seattle-weather"``.
        sha256: hash of the file's bytes, when read from a file.
        rows: number of rows (or files, or pairs) loaded.
        schema: column -> dtype (``float64``, ``object`` ...) of what was loaded, for the
            MLflow dataset input; empty when the data are not a table.
    """

    source: str
    path: str = ""
    sha256: str = ""
    rows: int = 0
    schema: dict[str, str] = field(default_factory=dict)


@dataclass
class Report:
    """What ``evaluate`` returns: metrics of the model and its baselines, and what to log.

    Args:
        model_metrics: the model's final test metrics, e.g. ``{"mae": 1.9, "rmse": 2.5}``,
            logged as ``test_<metric>``.
        baselines: per baseline, the same metrics on the same test set,
            e.g. ``{"naive": {"mae": 2.4}}``, logged as ``baseline_<name>_<metric>``.
        dataset: the dataset's name (goes into the ``--report`` JSON and a run tag).
        figures: matplotlib figures by name, logged as ``figures/<name>.png``.
        tables: text (markdown) or pandas DataFrames by name, logged under ``tables/``;
            ``tables["summary"]``, when present, is printed at the end of ``rnnkit run``.
        artifacts: extra artifacts by name: a ``pathlib.Path`` is logged as that file or
            folder, any other value is written as JSON (``name`` gets ``.json`` if it
            has no suffix), e.g. ``{"scaler": scaler.to_dict()}``.
        throughput: examples per second by phase, logged as ``throughput/<name>``.
        extra_metrics: any other metrics, logged under their own names.
        tags: extra MLflow run tags, e.g. ``{"cell": "leaky"}``.
        params: config values a stage resolved (dotted keys, e.g.
            ``{"featurize.lookback": 30}`` where the config said None): logged as the
            param's value instead of None.
    """

    model_metrics: dict[str, float]
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)
    dataset: str = ""
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Path | Any] = field(default_factory=dict)
    throughput: dict[str, float] = field(default_factory=dict)
    extra_metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
