"""The stage runner: one task, four stages, one MLflow run.

``run_task`` resolves the config first (so a bad key fails before any run exists), then
runs ``ingest -> featurize -> train -> evaluate`` inside one MLflow run, times each stage,
logs params, metrics, figures and artifacts, calls the task's optional ``register`` hook
and finally writes the ``--report`` JSON -- only when everything succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.core import config as config_mod
from pipelines.core import devices, tasks, tracking
from pipelines.core.errors import ConfigError, RnnkitUserError, StageError
from pipelines.core.report import report_dict, write_report
from pipelines.core.types import STAGES, Report


@dataclass
class RunResult:
    """What ``run_task`` returns: the run's id, the report dict and the stage outputs.

    ``stages`` holds each stage's return value by name (``ingest``: the task's Raw,
    ``featurize``: its Features, ...), e.g. for ``pipelines.retrain`` to score another
    model on the same test split.
    """

    task: str
    run_id: str
    profile: str
    config: Any
    report: dict[str, Any]
    outputs: Report
    report_path: Path | None = None
    stages: dict[str, Any] = field(default_factory=dict)


def run_task(
    task_name: str,
    profile: str = "default",
    overrides: Sequence[str] = (),
    report_path: str | Path | None = None,
    device: str = "auto",
    echo: Callable[[str], None] | None = None,
    precision: str = "float32",
) -> RunResult:
    """Run a task's stages in one MLflow run and return the result.

    Args:
        task_name: a registered task, e.g. ``"forecast"``.
        profile: config overlay, ``smoke``, ``default`` or ``full``.
        overrides: dotted ``key=value`` config overrides.
        report_path: where to write the report JSON (atomically, only on success).
        device: ``auto|cpu|gpu|tpu``: the train stage runs under the distribution
            strategy ``pipelines.core.devices.choose`` picks for it; ``train.batch_size``
            is per replica (the global batch scales with the replicas).
        precision: ``float32``, ``mixed_float16`` or ``mixed_bfloat16`` for training.
        echo: called with one line per stage (progress); None for silence.

    Raises:
        RnnkitUserError: unknown task, task not available, bad config or report path --
            all before any MLflow run is created.
        StageError: a stage (or logging, or ``register``) failed; the run is marked
            FAILED and the original exception is ``__cause__``.
    """
    say = echo or (lambda _line: None)
    task = tasks.get_task(task_name)
    cfg = task.load_config(profile, overrides)
    placement, handle = devices.choose(device, precision)
    if placement.replicas > 1 and _attr(cfg, "train", "batch_size"):
        cfg.train.batch_size *= placement.replicas
    report_file = _check_report_path(report_path)

    try:
        run = tracking.start_run(task_name)
    except Exception as exc:  # unreachable server, unwritable store: the user's to fix
        raise RnnkitUserError(
            f"Could not start an MLflow run at {tracking.tracking_uri()} "
            f"({type(exc).__name__}: {exc}). Check MLFLOW_TRACKING_URI."
        ) from exc
    say(
        f"[{task_name}] MLflow run {run.run_id} in experiment "
        f"{tracking.experiment_name(task_name)} at {tracking.tracking_uri()}"
    )
    durations: dict[str, float] = {}
    stage = "start"
    try:
        tracking.set_tags(_tags(task_name, profile, cfg, placement))
        tracking.log_params(cfg)
        tracking.log_json(placement.as_dict(), "placement.json")
        tracking.log_text(config_mod.to_yaml(cfg), "config.yaml")

        values: dict[str, Any] = {}
        for stage in STAGES:
            if stage == "train":
                with devices.placed(placement, handle):
                    values[stage] = _run_stage(task, stage, cfg, values, durations, say)
            else:
                values[stage] = _run_stage(task, stage, cfg, values, durations, say)
        report = values["evaluate"]
        report.dataset = report.dataset or str(_attr(cfg, "data", "source") or "")

        stage = "log"
        _log_report(report)
        data = report_dict(task_name, run.run_id, profile, report, durations, placement)

        register = task.hook("register")
        if register is not None:
            stage = "register"
            start = time.perf_counter()
            register(cfg, values["train"], values["featurize"], report, run)
            durations["register"] = time.perf_counter() - start
            tracking.log_metrics({"duration_s/register": durations["register"]})
            data = report_dict(task_name, run.run_id, profile, report, durations, placement)
        stage = "log"
        tracking.log_json(data, "report.json")
    except Exception as exc:
        tracking.end_run("FAILED")
        raise StageError(task_name, stage, run.run_id, exc) from exc
    except BaseException:  # KeyboardInterrupt, SystemExit: the run did not fail on its own
        tracking.end_run("KILLED")
        raise
    tracking.end_run("FINISHED")

    if report_file is not None:
        try:
            write_report(report_file, data)
        except OSError as exc:
            raise RnnkitUserError(
                f"Run {run.run_id} finished, but the report could not be "
                f"written to {report_file}: {exc}."
            ) from exc
    return RunResult(task_name, run.run_id, profile, cfg, data, report, report_file, values)


def _run_stage(
    task: tasks.Task,
    stage: str,
    cfg: Any,
    values: dict[str, Any],
    durations: dict[str, float],
    say: Callable[[str], None],
) -> Any:
    """Call one stage with the outputs of the stages before it; time and log it."""
    fn = getattr(task.module, stage)
    args = {
        "ingest": (),
        "featurize": (values.get("ingest"),),
        "train": (values.get("featurize"),),
        "evaluate": (values.get("train"), values.get("featurize")),
    }[stage]
    say(f"[{task.name}] {stage} ...")
    start = time.perf_counter()
    out = fn(cfg, *args)
    durations[stage] = time.perf_counter() - start
    tracking.log_metrics({f"duration_s/{stage}": durations[stage]})
    say(f"[{task.name}] {stage} done in {durations[stage]:.2f} s")
    if stage == "evaluate" and not isinstance(out, Report):
        raise TypeError(
            f"evaluate must return pipelines.core.types.Report, got {type(out).__name__}"
        )
    return out


def _log_report(report: Report) -> None:
    """Log the Report: test and baseline metrics, throughput, figures, tables, artifacts."""
    metrics = {f"test_{k}": v for k, v in report.model_metrics.items()}
    for name, values in report.baselines.items():
        metrics.update({f"baseline_{name}_{k}": v for k, v in values.items()})
    metrics.update({f"throughput/{k}": v for k, v in report.throughput.items()})
    metrics.update(report.extra_metrics)
    tracking.log_metrics(metrics)
    tracking.set_tags({"dataset": report.dataset, **report.tags})
    tracking.log_figures(report.figures)
    tracking.log_tables(report.tables)
    tracking.log_artifacts(report.artifacts)


def _tags(task_name: str, profile: str, cfg: Any, placement) -> dict[str, Any]:
    return {
        "task": task_name,
        "profile": profile,
        "dataset": _attr(cfg, "data", "source"),
        "cell": _attr(cfg, "model", "cell"),
        "device": placement.device,
        "keras_backend": placement.backend,
        "strategy": placement.strategy,
        "replicas": placement.replicas,
        "devices": ", ".join(placement.devices),
        "precision": placement.precision,
        "git_commit": tracking.git_commit(),
    }


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        obj = getattr(obj, name, None)
    return obj


def _check_report_path(path: str | Path | None) -> Path | None:
    if path is None:
        return None
    path = Path(path)
    if path.is_dir():
        raise ConfigError(
            f"--report {path} is a directory; give a file path such as {path / 'report.json'}."
        )
    if path.parent.exists() and not path.parent.is_dir():
        raise ConfigError(f"--report {path}: {path.parent} is not a directory.")
    return path
