"""The stage runner: one task, four stages, one MLflow run.

``run_task`` resolves the config first (so a bad key fails before any run exists), then
runs ``ingest -> featurize -> train -> evaluate`` inside one MLflow run, times each stage,
logs params, metrics, figures and artifacts, calls the task's optional ``register`` hook
and finally writes the ``--report`` JSON -- only when everything succeeded.

What gets registered and served:

- the model is registered only when every test metric of the model is a finite number;
  otherwise the run still ends FINISHED (its NaN metrics logged, for ``rnnkit compare``
  to show), is tagged ``rnnkit.registered=no`` with the reason, and ``run_task`` raises
  ``NotRegisteredError`` (no report is written);
- a ``smoke`` run registers as ``rnnkit-<task>-smoke``, never under the serving name;
- the first registered version of a registered model becomes its ``champion`` only when
  it has none (``promote_first=False`` for ``rnnkit retrain``, which decides itself).

A run stopped by a signal (SIGTERM, SIGINT: ``SystemExit`` / ``KeyboardInterrupt``) is
ended FAILED, tagged with what stopped it, and the exception goes on.

On several processes (``pipelines.core.distributed``) every process runs ingest,
featurize and train, each reading its own rows of every batch; only process 0 (the
chief) has the MLflow run, evaluates, registers and writes the report. The others
return a ``RunResult`` with no run once training is done.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.core import config as config_mod
from pipelines.core import (
    describe,
    devices,
    distributed,
    mapped,
    naming,
    promotion,
    tasks,
    tracking,
)
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
    registered_version: str | None = None


class NotRegisteredError(RnnkitUserError):
    """The run finished, but its model's test metrics are not all finite numbers."""

    def __init__(self, message: str, run_id: str):
        super().__init__(message)
        self.run_id = run_id


def run_task(
    task_name: str,
    profile: str = "default",
    overrides: Sequence[str] = (),
    report_path: str | Path | None = None,
    device: str = "auto",
    echo: Callable[[str], None] | None = None,
    precision: str = "float32",
    promote_first: bool = True,
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
        promote_first: make the registered version ``champion`` when its registered
            model has none yet (``rnnkit retrain`` passes False and decides itself).

    Raises:
        RnnkitUserError: unknown task, task not available, bad config or report path --
            all before any MLflow run is created.
        NotRegisteredError: the run finished with non-finite test metrics of the model,
            so nothing was registered (and no report written).
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
    if not distributed.is_chief():
        return _run_worker(task, profile, cfg, placement, handle)

    try:
        name = tracking.unique_run_name(task_name, _run_name(task_name, cfg, profile))
        run = tracking.start_run(task_name, run_name=name, profile=profile)
    except Exception as exc:  # unreachable server, unwritable store: the user's to fix
        raise RnnkitUserError(
            f"Could not start an MLflow run at {tracking.tracking_uri()} "
            f"({type(exc).__name__}: {exc}). Check MLFLOW_TRACKING_URI."
        ) from exc
    say(
        f"[{task_name}] MLflow run {run.run_id} in experiment "
        f"{tracking.experiment_name(task_name)} at {tracking.tracking_uri()}"
    )
    _announce_run(run.run_id)
    distributed.barrier("rnnkit-run-started")
    durations: dict[str, float] = {}
    stage = "start"
    try:
        commit = tracking.git_commit()
        tracking.set_tags(_tags(task_name, profile, cfg, placement, commit))
        flat = tracking.log_params(cfg, skip_none=True)  # the Nones once resolved
        tracking.log_json(placement.as_dict(), "placement.json")
        tracking.log_text(config_mod.to_yaml(cfg), "config.yaml")

        values: dict[str, Any] = {}
        for stage in STAGES:
            if stage == "train":
                with devices.placed(placement, handle):
                    values[stage] = _run_stage(task, stage, cfg, values, durations, say)
                if placement.processes > 1:  # the chief evaluates alone, on its device
                    distributed.localize(values[stage])
            else:
                values[stage] = _run_stage(task, stage, cfg, values, durations, say)
            if stage == "ingest" and getattr(values[stage], "provenance", None) is not None:
                tracking.log_dataset(values[stage].provenance)
        report = values["evaluate"]
        report.dataset = report.dataset or str(_attr(cfg, "data", "source") or "")

        stage = "log"
        parameters = _parameter_count(values["train"])
        if parameters is not None:
            report.extra_metrics.setdefault("model_parameters", parameters)
        _log_report(report)
        tracking.log_resolved(flat, report.params)
        metric, higher = task.primary_metric, task.higher_is_better
        text = describe.summary(task_name, name, report, metric, higher, profile, commit)
        tracking.describe_run(text)
        data = report_dict(task_name, run.run_id, profile, report, durations, placement)

        package, register = task.hook("package"), task.hook("register")
        version = refused = None
        if package is not None or register is not None:
            stage = "register"
            refused = _unregistrable(report.model_metrics)
            if refused:
                tracking.set_tags({"rnnkit.registered": "no",
                                   "rnnkit.not_registered_because": refused})
            else:
                start = time.perf_counter()
                if package is not None:  # the task packages the model, the runner logs it
                    tracking.log_model_package(
                        run, package(cfg, values["train"], values["featurize"], report))
                else:  # a task that logs its own model (out-of-tree tasks, tests)
                    register(cfg, values["train"], values["featurize"], report, run)
                durations["register"] = time.perf_counter() - start
                tracking.log_metrics({"duration_s/register": durations["register"]})
                version = _registered(run, promote_first, say)
                if version is not None:
                    tracking.describe_version(run.registered_model, version, text,
                                              describe.version_tags(
                                                  task_name, cfg, report, metric, name,
                                                  commit))
                data = report_dict(task_name, run.run_id, profile, report, durations,
                                   placement)
        stage = "log"
        tracking.log_json(data, "report.json")
    except Exception as exc:
        tracking.end_run("FAILED")
        raise StageError(task_name, stage, run.run_id, exc) from exc
    except BaseException as exc:  # SIGTERM (as SystemExit), Ctrl-C: end it, never leave it
        _end_stopped(stage, exc)
        raise
    tracking.end_run("FINISHED")
    if refused:
        raise NotRegisteredError(
            f"Run {run.run_id} finished, but {refused}, so no model version was "
            f"registered and no report written. Training probably diverged: try a lower "
            f"train.learning_rate.", run.run_id)

    if report_file is not None:
        try:
            write_report(report_file, data)
        except OSError as exc:
            raise RnnkitUserError(
                f"Run {run.run_id} finished, but the report could not be "
                f"written to {report_file}: {exc}."
            ) from exc
    return RunResult(task_name, run.run_id, profile, cfg, data, report, report_file, values,
                     version)


RUN_ID_FILE = "RNNKIT_RUN_ID_FILE"


def _announce_run(run_id: str) -> None:
    """Write the run's id where ``$RNNKIT_RUN_ID_FILE`` says (``rnnkit run --processes``
    reads it there to end the run FAILED when a worker dies)."""
    path = os.environ.get(RUN_ID_FILE)
    if path:
        Path(path).write_text(run_id)


def _run_worker(task: tasks.TaskSpec, profile: str, cfg: Any, placement, handle) -> RunResult:
    """Process 1..N-1 of a multi-process run: ingest, featurize and train (its rows of
    every batch), with no MLflow run, no evaluation and no files."""
    values: dict[str, Any] = {}
    quiet = lambda _line: None  # noqa: E731  (the chief reports progress)
    distributed.barrier("rnnkit-run-started")  # the chief's MLflow run exists
    for stage in ("ingest", "featurize", "train"):
        if stage == "train":
            with devices.placed(placement, handle):
                values[stage] = _run_stage(task, stage, cfg, values, {}, quiet, log=False)
        else:
            values[stage] = _run_stage(task, stage, cfg, values, {}, quiet, log=False)
    return RunResult(task.name, "", profile, cfg, {}, Report({}), None, values)


def _parameter_count(trained: Any) -> int | None:
    """The trained Keras model's parameter count (a task training one model per fold,
    as speech, has them in ``trained.folds``: the first fold's)."""
    model = getattr(trained, "model", None)
    if model is None and getattr(trained, "folds", None):
        model = getattr(next(iter(trained.folds.values())), "model", None)
    count = getattr(model, "count_params", None)
    return int(count()) if callable(count) else None


def _unregistrable(metrics: dict[str, Any]) -> str | None:
    """Why a model with these test metrics must not be registered, or None."""
    if not metrics:
        return "the evaluate stage reported no test metrics"
    bad = {k: v for k, v in metrics.items() if not tracking.is_finite(v)}
    if bad:
        shown = ", ".join(f"{k}={v}" for k, v in bad.items())
        return f"its test metrics are not all finite ({shown})"
    return None


def _registered(run: tracking.ActiveRun, promote_first: bool,
                say: Callable[[str], None]) -> str | None:
    """The version the register hook made; made champion if the model has none yet."""
    client = tracking.client()
    name = run.registered_model
    try:
        version = str(promotion.version_of_run(client, name, run.run_id).version)
    except promotion.PromotionError:  # a register hook that registers nothing (tests)
        return None
    tracking.set_tags({"rnnkit.registered": "yes", "rnnkit.registered_model": name,
                       "rnnkit.registered_version": version})
    if promote_first and promotion.promote_first(client, name, version):
        say(f"[{run.task}] registered {name} version {version}: the first, so it is the "
            f"champion 'rnnkit predict {run.task}' serves")
    else:
        say(f"[{run.task}] registered {name} version {version} (the champion moves only "
            f"by 'rnnkit retrain' or 'rnnkit promote')")
    return version


def _end_stopped(stage: str, exc: BaseException) -> None:
    """End the active run FAILED, tagged with the signal or interrupt that stopped it."""
    code = getattr(exc, "code", None)
    why = {143: "SIGTERM", 130: "SIGINT", 129: "SIGHUP"}.get(code, type(exc).__name__)
    try:
        tracking.set_tags({"rnnkit.stopped_by": why, "rnnkit.stopped_in_stage": stage})
    finally:
        tracking.end_run("FAILED")


def _run_stage(
    task: tasks.TaskSpec,
    stage: str,
    cfg: Any,
    values: dict[str, Any],
    durations: dict[str, float],
    say: Callable[[str], None],
    log: bool = True,
) -> Any:
    """Call one stage with the outputs of the stages before it; time it, and log the
    time to the MLflow run when ``log``."""
    fn = task.stage(stage)
    args = {
        "ingest": (),
        "featurize": (values.get("ingest"),),
        "train": (values.get("featurize"),),
        "evaluate": (values.get("train"), values.get("featurize")),
    }[stage]
    say(f"[{task.name}] {stage} ...")
    start = time.perf_counter()
    out = fn(cfg, *args)
    if stage == "featurize":  # parsing peaked far above what training holds
        mapped.release_free_heap()
    durations[stage] = time.perf_counter() - start
    if log:
        tracking.log_metrics({f"duration_s/{stage}": durations[stage]})
    say(f"[{task.name}] {stage} done in {durations[stage]:.2f} s")
    if stage == "evaluate" and not isinstance(out, Report):
        raise TypeError(
            f"evaluate must return pipelines.core.types.Report, got {type(out).__name__}"
        )
    return out


def _log_report(report: Report) -> None:
    """Log the Report: test and baseline metrics (``pipelines.core.naming``), throughput,
    figures (files and comparable images), tables, artifacts; the summary table also as
    ``summary.md`` at the top, which the compare view lists."""
    metrics = {naming.test_metric(k): v for k, v in report.model_metrics.items()}
    for name, values in report.baselines.items():
        metrics.update({naming.baseline_metric(name, k): v for k, v in values.items()})
    metrics.update({f"throughput/{k}": v for k, v in report.throughput.items()})
    metrics.update(report.extra_metrics)
    tracking.log_metrics(metrics)
    tracking.set_tags({"dataset": report.dataset, **report.tags})
    tracking.log_figures(report.figures, images=True)
    tracking.log_tables(report.tables)
    if "summary" in report.tables:
        tracking.log_text(str(report.tables["summary"]), "summary.md")
    tracking.log_artifacts(report.artifacts)


def _run_name(task_name: str, cfg: Any, profile: str) -> str:
    model = getattr(cfg, "model", None)
    size = next((getattr(model, k) for k in ("units", "decoder_units") if hasattr(model, k)),
                None)
    return naming.run_name(task_name, getattr(model, "cell", None), size,
                           _attr(cfg, "data", "source"), profile)


def _tags(task_name: str, profile: str, cfg: Any, placement, commit=None) -> dict[str, Any]:
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
        "processes": placement.processes,
        "precision": placement.precision,
        "git_commit": commit,
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
