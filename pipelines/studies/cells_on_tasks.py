"""Study `cells_on_tasks`: every registry cell on each applied task, through the task's own
pipeline (`pipelines.core.runner.run_task`, one MLflow run per task and cell, in the
task's experiment `rnnkit-<task>`), with `model.cell=<cell>` as the only change to the
task's profile (and the study's per-task overrides, the same for every cell).

Reported per (task, cell): the primary test metric (forecast MAE in the target's
units; speech and sentiment accuracy; translate BLEU of beam search), the best
baseline on that metric, the model's parameter count and its training time (the
`train` stage, seconds).
"""

from __future__ import annotations

from typing import Annotated, Literal

import pandas as pd
from pydantic import Field, field_validator

from pipelines.core import tasks
from pipelines.core.config import ConfigModel, check_choice
from pipelines.core.errors import StageError
from pipelines.core.runner import run_task
from pipelines.studies.framework import StudyOutput
from rnnkit.names import RECURRENT_NAMES

DESCRIPTION = """
Every registry cell on each applied task (forecast, speech, sentiment, translate),
through the task's own pipeline: test metric, parameters, training time. Forecast and
speech run their default profiles; sentiment and translate run their defaults cut down
(fewer examples, shorter texts, fixed epochs) so that the 40 runs fit in an hour on a
2-core CPU: the comparison between cells holds, the absolute scores are below the
tasks' full defaults.
"""


def _overrides() -> dict[str, list[str]]:
    return {
        # the recurrent path alone: the default's n-gram path would score the same for
        # every cell
        "sentiment": ["data.max_train=4000", "data.max_test=2000", "featurize.max_length=200",
                      "evaluate.tfidf_max_features=20000", "model.ngram_buckets=0"],
        # short pairs, as in the smoke profile but at the default model size: 3 epochs of
        # 12,000 pairs of any length at batch 128 left every cell below copying (BLEU < 1)
        "translate": ["data.max_words=5", "data.max_pairs=10000", "train.epochs=4",
                      "train.batch_size=64", "train.learning_rate=0.004",
                      "train.time_budget_minutes=null", "evaluate.max_test=800",
                      "evaluate.beam=2", "evaluate.heatmaps=1", "evaluate.samples=4"],
    }


class Params(ConfigModel):
    """The study's params (``experiments/studies/cells_on_tasks.yaml`` holds the profiles).

    Args:
        tasks: Task names (``rnnkit tasks``), each run once per cell.
        profile: The tasks' profile every run starts from.
        cells: Registry cells (``rnnkit.names.RECURRENT_NAMES``), each run on every task.
        overrides: Task name -> ``key=value`` overrides of that task's config, the same
            for every cell (``model.cell=<cell>`` follows them).
    """

    tasks: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: ["forecast", "speech", "sentiment", "translate"])
    profile: Annotated[str, Field(min_length=1)] = "default"
    cells: Annotated[list[Literal[RECURRENT_NAMES]], Field(min_length=1)] = Field(  # type: ignore
        default_factory=lambda: list(RECURRENT_NAMES))
    overrides: dict[str, list[str]] = Field(default_factory=_overrides)

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, value: list[str]) -> list[str]:
        for name in value:
            check_choice(name, tasks.task_names())
        return value

    @field_validator("overrides")
    @classmethod
    def _known_task_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in value:
            check_choice(name, tasks.task_names())
        return value


def run_one(task_name, cell, params):
    overrides = [*params.overrides.get(task_name, []), f"model.cell={cell}"]
    result = run_task(task_name, profile=params.profile, overrides=overrides)
    spec = tasks.get_task(task_name)
    metric, higher = spec.primary_metric, spec.higher_is_better
    report = result.report
    baselines = {name: values[metric] for name, values in report["baselines"].items()
                 if values.get(metric) is not None}
    best = (max if higher else min)(baselines, key=baselines.get) if baselines else None
    return {"task": task_name, "dataset": report["dataset"], "cell": cell, "metric": metric,
            "score": report["model"][metric], "best_baseline": best,
            "baseline_score": baselines.get(best),
            "params": result.report.get("model_parameters"),  # logged by the runner
            "train_s": report["durations_s"].get("train"), "run_id": result.run_id}


def run(params, say):
    rows = []
    for task_name in params.tasks:
        for cell in params.cells:
            try:
                rows.append(run_one(task_name, cell, params))
            except StageError as exc:  # one broken combination must not sink the grid
                rows.append({"task": task_name, "dataset": "", "cell": cell,
                             "metric": tasks.get_task(task_name).primary_metric,
                             "score": float("nan"),
                             "best_baseline": None, "baseline_score": float("nan"),
                             "params": None, "train_s": float("nan"), "run_id": exc.run_id,
                             "error": str(exc)})
                say(f"  {task_name:<10s} {cell:<11s} FAILED: {exc}")
                continue
            r = rows[-1]
            baseline = ("no baseline" if r["best_baseline"] is None
                        else f"{r['best_baseline']} {r['baseline_score']:.4f}")
            say(f"  {task_name:<10s} {cell:<11s} {r['metric']} {r['score']:.4f} "
                f"({baseline}) {r['params']} params "
                f"{r['train_s']:.0f} s")
    frame = pd.DataFrame(rows)
    tables = {}
    for task_name in params.tasks:
        part = frame[frame.task == task_name]
        metric = part.metric.iloc[0]
        failed = part.get("error", pd.Series([None] * len(part), index=part.index))
        shown = pd.DataFrame({
            "cell": part.cell,
            f"test {metric}": [f"{v:.4f}" if pd.isna(e) else f"failed: {e}"
                               for v, e in zip(part.score, failed, strict=True)],
            "best baseline": [f"{b} {v:.4f}" if isinstance(b, str) else "-"
                              for b, v in zip(part.best_baseline, part.baseline_score,
                                              strict=True)],
            "params": [str(int(p)) if p == p and p is not None else "-" for p in part.params],
            "train s": [f"{v:.0f}" if v == v else "-" for v in part.train_s],
        })
        dataset = next((d for d in part.dataset if d), task_name)
        tables[f"{task_name} ({dataset}), profile {params.profile}"] = shown
    metrics = {f"{r.task}/{r.cell}/{r.metric}": r.score for r in frame.itertuples()
               if r.score == r.score}
    notes = [f"Each row is one `rnnkit run TASK --profile {params.profile} "
             "model.cell=CELL` (plus the overrides in the config), logged as its own MLflow "
             "run in rnnkit-TASK; its run id is in cells_on_tasks.csv.",
             "Params: the trained Keras model's parameter count (each cell at the task's "
             "configured units, so the counts differ: this compares cells as the tasks use "
             "them, not at matched size)."]
    return StudyOutput(tables=tables, data={"cells_on_tasks": frame}, metrics=metrics,
                       notes=notes)
