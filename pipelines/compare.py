"""`rnnkit compare`: a task's finished runs, best first, straight from the MLflow store.

A run whose metric is NaN (a broken forecast, a diverged model) or missing ranks after
every run with a number, and is marked: it never looks best.
"""

from __future__ import annotations

import math

from pipelines.core import tasks, tracking
from pipelines.core.errors import RnnkitUserError


def compare_runs(task: str, metric: str | None = None, top: int = 10) -> list[dict]:
    """The `top` finished runs of `task` ranked by `test_<metric>` (best first; NaN and
    missing values last, with ``"rank_note"`` saying which). The default metric and each
    metric's direction come from the task's spec."""
    spec = tasks.get_task(task)
    metric = metric or spec.primary_metric
    descending = spec.higher(metric)
    client = tracking.client()
    experiment = client.get_experiment_by_name(tracking.experiment_name(task))
    if experiment is None:
        raise RnnkitUserError(
            f"No runs of {task!r} in {tracking.tracking_uri()}: run 'rnnkit run {task}' first."
        )
    runs = _all_runs(client, experiment.experiment_id, "attributes.status = 'FINISHED'")
    rows = [_row(run, spec.key_params) for run in runs]
    for row in rows:
        value = row["test"].get(metric)
        row["rank_note"] = ("" if value is not None and math.isfinite(value)
                            else "NaN" if value is not None else "no such metric")

    def key(row):
        value = row["test"].get(metric)
        if row["rank_note"]:
            return (1, 0.0, -row["start_time"])
        return (0, -value if descending else value, -row["start_time"])

    return sorted(rows, key=key)[:top]


def _all_runs(client, experiment_id: str, filter_string: str) -> list:
    """Every run matching ``filter_string`` (pages of 1000), newest first."""
    runs, token = [], None
    while True:
        page = client.search_runs([experiment_id], filter_string=filter_string,
                                  order_by=["attributes.start_time DESC"], max_results=1000,
                                  page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


def _row(run, key_params) -> dict:
    metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
    test = {k[len("test_"):]: v for k, v in metrics.items() if k.startswith("test_")}
    baselines: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        # baseline_<name>_<metric>, where both may hold underscores
        for metric in sorted(test, key=len, reverse=True):
            if key.startswith("baseline_") and key.endswith("_" + metric):
                name = key[len("baseline_") : -len(metric) - 1]
                baselines.setdefault(name, {})[metric] = value
                break
    shown = {k: params[k] for k in key_params if k in params}
    for key in ("lookback", "horizon"):  # resolved values, when the config left them open
        if f"featurize.{key}" in shown and key in tags:
            shown[f"featurize.{key}"] = tags[key]
    duration = (run.info.end_time - run.info.start_time) / 1000 if run.info.end_time else None
    return {
        "run_id": run.info.run_id,
        "cell": tags.get("cell"),
        "dataset": tags.get("dataset"),
        "profile": tags.get("profile"),
        "params": shown,
        "test": test,
        "baselines": baselines,
        "duration_s": duration,
        "start_time": run.info.start_time or 0,
    }


def format_runs(rows: list[dict], metric: str, higher_is_better: bool) -> str:
    """A plain-text table: one line per run, best first."""
    if not rows:
        return "no finished runs"
    lines = [f"{'run':<10} {'cell':<11} {'dataset':<26} {metric:>10} {'best baseline':>22} "
             f"{'s':>7}  params"]
    for row in rows:
        value = row["test"].get(metric)
        shown = f"{value:>10.4g}" if not row.get("rank_note") else f"{row['rank_note']:>10}"
        base = [(m[metric], n) for n, m in row["baselines"].items()
                if metric in m and math.isfinite(m[metric])]
        best = (max(base) if higher_is_better else min(base)) if base else None
        params = " ".join(f"{k.split('.')[-1]}={v}" for k, v in row["params"].items())
        lines.append(
            f"{row['run_id'][:8]:<10} {str(row['cell']):<11} {str(row['dataset'])[:26]:<26} "
            f"{shown} {(f'{best[1]} {best[0]:.4g}' if best else '-'):>22} "
            f"{(row['duration_s'] or 0):>7.1f}  {params}"
        )
    return "\n".join(lines)
