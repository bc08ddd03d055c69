"""`rnnkit compare`: a task's finished runs, best first, straight from the MLflow store.

A run whose metric is NaN (a broken forecast, a diverged model) or missing ranks after
every run with a number, and is marked: it never looks best. The run whose registered
version is the serving ``champion`` is marked, and so is every run that does not beat
its best baseline on the metric. Columns are as wide as what they hold: nothing printed
is cut.
"""

from __future__ import annotations

import math

from pipelines.core import naming, tasks, tracking
from pipelines.core.errors import RnnkitUserError


def compare_runs(task: str, metric: str | None = None, top: int = 10) -> list[dict]:
    """The `top` finished runs of `task` ranked by the model's test `metric` (best first;
    NaN and missing values last, with ``"rank_note"`` saying which). The default metric
    and each metric's direction come from the task's spec. Each row says whether its
    version is the champion and whether it beats its best baseline."""
    spec = tasks.get_task(task)
    metric = metric or spec.primary_metric
    higher = spec.higher(metric)
    client = tracking.client()
    experiment = client.get_experiment_by_name(tracking.experiment_name(task))
    if experiment is None:
        raise RnnkitUserError(
            f"No runs of {task!r} in {tracking.tracking_uri()}: run 'rnnkit run {task}' first."
        )
    runs = _all_runs(client, experiment.experiment_id, "attributes.status = 'FINISHED'")
    champions = _champion_runs(client, task)
    rows = [_row(run, spec.key_params) for run in runs]
    for row in rows:
        value = row["test"].get(metric)
        row["rank_note"] = ("" if value is not None and math.isfinite(value)
                            else "NaN" if value is not None else "no such metric")
        row["champion"] = champions.get(row["run_id"], "")
        best = _best_baseline(row, metric, higher)
        row["best_baseline"] = None if best is None else {"name": best[0], metric: best[1]}
        row["beats_baseline"] = (None if best is None or row["rank_note"] else
                                 (value > best[1] if higher else value < best[1]))

    def key(row):
        value = row["test"].get(metric)
        if row["rank_note"]:
            return (1, 0.0, -row["start_time"])
        return (0, -value if higher else value, -row["start_time"])

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


def _champion_runs(client, task: str) -> dict[str, str]:
    """run id -> ``"name vN"`` for the runs whose version is a ``champion`` (the serving
    model, and the smoke one)."""
    out = {}
    for profile in ("default", tracking.SMOKE_PROFILE):
        name = tracking.registered_model_name(task, profile)
        try:
            version = client.get_model_version_by_alias(name, tracking.CHAMPION)
        except Exception:  # no such model or alias
            continue
        out[version.run_id] = f"{name} v{version.version}"
    return out


def _best_baseline(row: dict, metric: str, higher: bool) -> tuple[str, float] | None:
    scored = [(n, m[metric]) for n, m in row["baselines"].items()
              if metric in m and math.isfinite(m[metric])]
    return (max if higher else min)(scored, key=lambda x: x[1]) if scored else None


def _row(run, key_params) -> dict:
    metrics, params, tags = run.data.metrics, run.data.params, run.data.tags
    test = naming.read_test_metrics(metrics)
    baselines = naming.read_baseline_metrics(metrics, list(test))
    shown = {k: params[k] for k in key_params if k in params}
    for key in ("lookback", "horizon"):  # runs logged before resolved params: the tags
        if shown.get(f"featurize.{key}") == "None" and key in tags:
            shown[f"featurize.{key}"] = tags[key]
    duration = (run.info.end_time - run.info.start_time) / 1000 if run.info.end_time else None
    return {
        "run_id": run.info.run_id,
        "run_name": run.info.run_name,
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
    """A plain-text table, one line per run, best first: ``*`` marks the champion, ``!``
    a run that does not beat its best baseline; columns fit their widest cell."""
    if not rows:
        return "no finished runs"
    header = ["", "run", "cell", "dataset", metric, "best baseline", "s", "params"]
    table = [header]
    for row in rows:
        value = row["test"].get(metric)
        best = row["best_baseline"]
        mark = ("*" if row["champion"] else " ") + ("!" if row["beats_baseline"] is False
                                                    else " ")
        table.append([
            mark, row["run_id"][:8], str(row["cell"]), str(row["dataset"]),
            row["rank_note"] or f"{value:.4g}",
            f"{best['name']} {best[metric]:.4g}" if best else "-",
            f"{(row['duration_s'] or 0):.1f}",
            " ".join(f"{k.split('.')[-1]}={v}" for k, v in row["params"].items()),
        ])
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    right = {4, 6}
    lines = ["  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip()
             for line in table]
    notes = []
    champions = [r for r in rows if r["champion"]]
    if champions:
        notes.append("* champion: " + ", ".join(f"{r['run_id'][:8]} = {r['champion']}"
                                                for r in champions))
    if any(r["beats_baseline"] is False for r in rows):
        notes.append(f"! does not beat its best baseline on {metric} "
                     f"({'higher' if higher_is_better else 'lower'} is better)")
    return "\n".join(lines + ([""] + notes if notes else []))
