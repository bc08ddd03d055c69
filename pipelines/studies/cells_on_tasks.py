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

import contextlib
from unittest import mock

import pandas as pd

from pipelines.compare import PRIMARY
from pipelines.core import tasks
from pipelines.core.errors import StageError
from pipelines.core.runner import run_task
from pipelines.studies.framework import StudyOutput


@contextlib.contextmanager
def counting_parameters(task_name, counts):
    """Record the parameter count of every model the task's train stage fits."""
    module = tasks.get_task(task_name).module
    train_module = __import__(f"{module.__name__}.train", fromlist=["fit"])
    real_fit = train_module.fit

    def fit(model, *args, **kwargs):
        counts.append(model.count_params())
        return real_fit(model, *args, **kwargs)

    with mock.patch.object(train_module, "fit", fit):
        yield


def run_one(task_name, cell, params):
    counts = []
    overrides = [*params["overrides"].get(task_name, []), f"model.cell={cell}"]
    with counting_parameters(task_name, counts):
        result = run_task(task_name, profile=params["profile"], overrides=overrides)
    metric, higher = PRIMARY[task_name]
    report = result.report
    baselines = {name: values[metric] for name, values in report["baselines"].items()
                 if values.get(metric) is not None}
    best = (max if higher else min)(baselines, key=baselines.get) if baselines else None
    return {"task": task_name, "dataset": report["dataset"], "cell": cell, "metric": metric,
            "score": report["model"][metric], "best_baseline": best,
            "baseline_score": baselines.get(best), "params": counts[0] if counts else None,
            "train_s": report["durations_s"].get("train"), "run_id": result.run_id}


def run(params, say):
    rows = []
    for task_name in params["tasks"]:
        for cell in params["cells"]:
            try:
                rows.append(run_one(task_name, cell, params))
            except StageError as exc:  # one broken combination must not sink the grid
                rows.append({"task": task_name, "dataset": "", "cell": cell,
                             "metric": PRIMARY[task_name][0], "score": float("nan"),
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
    for task_name in params["tasks"]:
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
        tables[f"{task_name} ({dataset}), profile {params['profile']}"] = shown
    metrics = {f"{r.task}/{r.cell}/{r.metric}": r.score for r in frame.itertuples()
               if r.score == r.score}
    notes = [f"Each row is one `rnnkit run TASK --profile {params['profile']} "
             "model.cell=CELL` (plus the overrides in the config), logged as its own MLflow "
             "run in rnnkit-TASK; its run id is in cells_on_tasks.csv.",
             "Params: the trained Keras model's parameter count (each cell at the task's "
             "configured units, so the counts differ: this compares cells as the tasks use "
             "them, not at matched size)."]
    return StudyOutput(tables=tables, data={"cells_on_tasks": frame}, metrics=metrics,
                       notes=notes)
