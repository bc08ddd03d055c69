"""`rnnkit compare`: a task's finished runs, best first, straight from the MLflow store."""

from __future__ import annotations

import mlflow

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError

# The metric a task is judged by, and whether higher is better.
PRIMARY = {"forecast": ("mae", False), "speech": ("accuracy", True),
           "sentiment": ("accuracy", True), "translate": ("bleu", True)}
HIGHER_IS_BETTER = {"accuracy", "f1", "roc_auc", "bleu", "chrf", "directional_accuracy"}
KEY_PARAMS = ("model.cell", "model.units", "featurize.lookback", "featurize.horizon",
              "train.epochs")


def compare_runs(task: str, metric: str | None = None, top: int = 10) -> list[dict]:
    """The `top` finished runs of `task` ranked by `test_<metric>` (best first)."""
    metric = metric or PRIMARY.get(task, ("mae", False))[0]
    descending = metric in HIGHER_IS_BETTER
    client = mlflow.MlflowClient(tracking_uri=tracking.tracking_uri())
    experiment = client.get_experiment_by_name(tracking.experiment_name(task))
    if experiment is None:
        raise RnnkitUserError(
            f"No runs of {task!r} in {tracking.tracking_uri()}: run 'rnnkit run {task}' first."
        )
    runs = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"attributes.status = 'FINISHED' and metrics.test_{metric} > -1e300",
        order_by=[f"metrics.test_{metric} {'DESC' if descending else 'ASC'}"],
        max_results=top,
    )
    return [_row(run) for run in runs]


def _row(run) -> dict:
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
    shown = {k: params[k] for k in KEY_PARAMS if k in params}
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
    }


def format_runs(rows: list[dict], metric: str) -> str:
    """A plain-text table: one line per run, best first."""
    if not rows:
        return "no finished runs"
    lines = [f"{'run':<10} {'cell':<11} {'dataset':<26} {metric:>10} {'best baseline':>22} "
             f"{'s':>7}  params"]
    for row in rows:
        value = row["test"].get(metric)
        base = [(m[metric], n) for n, m in row["baselines"].items() if metric in m]
        best = (max(base) if metric in HIGHER_IS_BETTER else min(base)) if base else None
        params = " ".join(f"{k.split('.')[-1]}={v}" for k, v in row["params"].items())
        lines.append(
            f"{row['run_id'][:8]:<10} {str(row['cell']):<11} {str(row['dataset'])[:26]:<26} "
            f"{value:>10.4g} {(f'{best[1]} {best[0]:.4g}' if best else '-'):>22} "
            f"{(row['duration_s'] or 0):>7.1f}  {params}"
        )
    return "\n".join(lines)
