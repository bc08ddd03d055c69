"""`rnnkit retrain`: the champion/challenger job.

One retrain of TASK, under an exclusive lock (``pipelines.core.lock``):

1. ingest the current data and train a challenger through ``run_task`` (one MLflow
   run, which registers a new version of ``rnnkit-<task>``);
2. score the challenger AND the current champion (the version the registry alias
   ``champion`` points to when the job starts) on the same, most recent evaluation
   window -- the challenger run's test split -- with the task's ``score_model`` hook;
3. promote (move ``champion`` to the challenger) only if, on the task's primary metric
   ``m`` (the task's ``TaskSpec.primary_metric``), the relative improvement

       improvement = (m_champion - m_challenger) / |m_champion|   (lower is better)
       improvement = (m_challenger - m_champion) / |m_champion|   (higher is better)

   is positive and at least ``min_improvement`` (a tie never promotes). With no
   champion yet, the challenger becomes champion.
4. record the decision as ``retrain.*`` tags on both model versions, on the challenger
   run, and under ``"retrain"`` in the report JSON -- after the alias moved, so the
   tags never announce a promotion that did not happen.

Safe by construction: the alias moves only after everything before it succeeded, and
only if it still points where it did when the job started and no other process is
moving it (``pipelines.core.promotion.move_alias``); nothing is ever deleted. A failed
or killed retrain leaves the alias where it was (its challenger version, if registered,
stays, tagged ``retrain.decision=failed``, and the champion ``retrain.decision=kept``,
both with the reason). A ``--profile smoke`` retrain works on ``rnnkit-<task>-smoke``.

The per-task hook (optional; see ``pipelines.core.types.TaskModule``)::

    score_model(cfg, raw, features, model) -> dict[str, float]

scores ``model`` -- a loaded ``rnnkit-<task>`` pyfunc of any version -- on the test
split of ``features`` (this run's), returning the task's report metrics. A task without
it can still retrain while it has no champion; once it has one, retrain fails (the
champion is kept) until the task defines the hook.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipelines.core import lock, promotion, tasks, tracking
from pipelines.core.errors import ConfigError, RnnkitUserError
from pipelines.core.report import write_report
from pipelines.core.runner import _check_report_path, run_task

RetrainError = promotion.PromotionError  # the challenger could not be judged or promoted


@dataclass
class Contender:
    """One side of the comparison: a registered version and its scores on the window."""

    version: str
    run_id: str
    metrics: dict[str, float | None]


@dataclass
class Decision:
    """What a retrain decided, as written to the report JSON under ``"retrain"``."""

    decision: str  # promoted | kept_champion
    promoted: bool
    metric: str
    higher_is_better: bool
    min_improvement: float
    improvement: float | None
    reason: str
    challenger: Contender
    champion: Contender | None
    champion_after: str
    window: str
    score_s: float = 0.0
    finished: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RetrainResult:
    """The challenger run's report with the decision added, and where it was written."""

    report: dict[str, Any]
    decision: Decision
    report_path: Path | None


def primary_metric(task: str) -> tuple[str, bool]:
    """The task's primary metric and whether higher is better (forecast: mae, lower)."""
    spec = tasks.get_task(task)
    return spec.primary_metric, spec.higher_is_better


def improvement(challenger: float, champion: float, higher_is_better: bool) -> float:
    """Relative gain of the challenger over the champion (> 0: better), see module doc."""
    gain = challenger - champion if higher_is_better else champion - challenger
    if champion == 0:
        return math.inf if gain > 0 else (0.0 if gain == 0 else -math.inf)
    return gain / abs(champion)


def decide(metric: str, higher_is_better: bool, challenger: float | None,
           champion: float | None, min_improvement: float) -> tuple[bool, float | None, str]:
    """(promote?, improvement, reason) for the two scores on the primary metric."""
    if champion is not None and not _finite(champion):
        if _finite(challenger):
            return True, None, f"the champion's {metric} is not a finite number"
        return False, None, f"neither {metric} is a finite number"
    if not _finite(challenger):
        return False, None, f"the challenger's {metric} is not a finite number"
    if champion is None:
        return True, None, "no champion yet: the first challenger becomes champion"
    gain = improvement(challenger, champion, higher_is_better)
    verb = "better" if gain > 0 else "not better"
    text = (f"challenger {metric} {challenger:.6g} vs champion {champion:.6g}: {verb} "
            f"(improvement {gain:+.2%}, needs > 0 and >= {min_improvement:.2%})")
    return gain > 0 and gain >= min_improvement, gain, text


def retrain(
    task_name: str,
    profile: str = "default",
    overrides: Sequence[str] = (),
    min_improvement: float = 0.0,
    report_path: str | Path | None = None,
    device: str = "auto",
    precision: str = "float32",
    echo: Callable[[str], None] | None = None,
) -> RetrainResult:
    """Train a challenger of ``task_name`` and promote it if it wins (see module doc).

    Raises:
        RnnkitUserError: bad arguments or config (before anything runs);
            ``lock.AlreadyRunningError`` when a retrain of the task is running;
            ``RetrainError`` when the champion cannot be scored or moved meanwhile.
        StageError: the challenger run failed (marked FAILED in MLflow).
    """
    say = echo or (lambda _line: None)
    if not (math.isfinite(min_improvement) and min_improvement >= 0):
        raise ConfigError(f"--min-improvement must be a number >= 0, got {min_improvement}.")
    task = tasks.get_task(task_name)
    task.load_config(profile, overrides)  # a bad key fails here, before the lock
    metric, higher = primary_metric(task_name)
    report_file = _check_report_path(report_path)
    uri = tracking.tracking_uri()
    with lock.exclusive(lock.retrain_lock_path(task_name, uri), f"'rnnkit retrain {task_name}'"):
        client = tracking.client()
        name = tracking.registered_model_name(task_name, profile)
        before = promotion.champion_version(client, name)
        say(f"[retrain] champion of {name}: " + (f"version {before.version}" if before
                                                   else "none yet"))
        result = run_task(task_name, profile=profile, overrides=overrides, device=device,
                          echo=say, precision=precision, promote_first=False)
        challenger = promotion.version_of_run(client, name, result.run_id)
        try:
            decision = _judge(task, result, name, challenger, before, metric, higher,
                              min_improvement, say)
            if decision.promoted:
                promotion.move_alias(client, name, before, challenger)
            _record(client, name, decision)
        except BaseException as exc:
            promotion.mark_failed(client, name, challenger.version, result.run_id, exc,
                                  champion=str(before.version) if before else None)
            raise
    data = {**result.report, "retrain": decision.as_dict()}
    if report_file is not None:
        try:
            write_report(report_file, data)
        except OSError as exc:
            raise RnnkitUserError(
                f"Retrain finished ({decision.decision}), but the report could not be "
                f"written to {report_file}: {exc}."
            ) from exc
    return RetrainResult(data, decision, report_file)


def _judge(task, result, name, challenger, before, metric, higher, min_improvement,
           say) -> Decision:
    """Score both models on the challenger run's test split and apply ``decide``."""
    score = task.hook("score_model")
    window = f"test split of run {result.run_id}"
    start = time.perf_counter()
    if score is None:
        if before is not None:
            raise RetrainError(
                f"Task {task.name!r} has no score_model hook, so its champion (version "
                f"{before.version}) cannot be scored on the new evaluation window; the "
                "champion is kept. Define score_model(cfg, raw, features, model) in "
                f"pipelines/{task.name}/ (see pipelines/retrain.py)."
            )
        challenger_metrics = dict(result.report["model"])
        window += " (challenger scored by its run's evaluate stage)"
    else:
        challenger_metrics = _score(task, score, result, name, challenger.version, "challenger")
    champion = None
    if before is not None:
        champion = Contender(str(before.version), before.run_id,
                             _score(task, score, result, name, before.version, "champion"))
    score_s = time.perf_counter() - start
    promote, gain, reason = decide(
        metric, higher, challenger_metrics.get(metric),
        champion.metrics.get(metric) if champion else None, min_improvement)
    say(f"[retrain] {reason}")
    return Decision(
        decision="promoted" if promote else "kept_champion", promoted=promote, metric=metric,
        higher_is_better=higher, min_improvement=min_improvement,
        improvement=gain if gain is None or math.isfinite(gain) else None, reason=reason,
        challenger=Contender(str(challenger.version), result.run_id,
                             _finite_only(challenger_metrics)),
        champion=champion,
        champion_after=str(challenger.version if promote else (before.version if before else "")),
        window=window, score_s=round(score_s, 3),
    )


def _score(task, score, result, name: str, version: str, role: str) -> dict[str, float | None]:
    uri = f"models:/{name}/{version}"
    model = tracking.load_task_model(task.name, uri, say=lambda _line: None)
    try:
        metrics = score(result.config, result.stages.get("ingest"),
                        result.stages.get("featurize"), model)
    except RnnkitUserError as exc:
        hint = ""
        if role == "champion":
            hint = (" If the task changed on purpose, point the alias at the new version by "
                    f"hand: MlflowClient().set_registered_model_alias('{name}', "
                    f"'{tracking.CHAMPION}', VERSION).")
        raise RetrainError(f"Cannot score the {role} ({uri}) on the new window: {exc} "
                           f"The champion is kept.{hint}") from exc
    return _finite_only(metrics)


def _record(client, name: str, d: Decision) -> None:
    """The decision as tags on the challenger version and run, and on the champion."""
    common = {"decision": d.decision, "metric": d.metric, "reason": d.reason,
              "min_improvement": d.min_improvement, "finished": d.finished,
              "improvement": "" if d.improvement is None else f"{d.improvement:.6g}",
              "challenger_version": d.challenger.version,
              "champion_version": d.champion.version if d.champion else "",
              "champion_after": d.champion_after}
    for role, who in (("challenger", d.challenger), ("champion", d.champion)):
        if who is not None:
            value = who.metrics.get(d.metric)
            common[f"{role}_{d.metric}"] = "" if value is None else f"{value:.6g}"
    promotion.tag_version(client, name, d.challenger.version, {"role": "challenger", **common})
    if d.champion is not None:
        outcome = "replaced" if d.promoted else "kept"
        promotion.tag_version(client, name, d.champion.version,
                             {"role": "champion", **common, "decision": outcome})
    promotion.tag_run(client, d.challenger.run_id, {"role": "challenger", **common})


def _finite(value: Any) -> bool:
    return tracking.is_finite(value)


def _finite_only(metrics: dict[str, Any]) -> dict[str, float | None]:
    return {k: float(v) if _finite(v) else None for k, v in metrics.items()}
