"""What a run and its registered version say about themselves: a model-vs-baselines
summary (the run's description in the MLflow UI) and the version's tags."""

from __future__ import annotations

import math
from typing import Any

from pipelines.core.report import format_table
from pipelines.core.types import Report


def best_baseline(report: Report, metric: str, higher: bool) -> tuple[str, float] | None:
    """The baseline with the best finite ``metric``, and its value."""
    scored = [(name, values[metric]) for name, values in report.baselines.items()
              if _finite(values.get(metric))]
    if not scored:
        return None
    return (max if higher else min)(scored, key=lambda item: item[1])


def verdict(report: Report, metric: str, higher: bool) -> str:
    """One line: the model's primary metric against its best baseline."""
    value = report.model_metrics.get(metric)
    if not _finite(value):
        return f"test {metric}: {value} (not a finite number)"
    best = best_baseline(report, metric, higher)
    if best is None:
        return f"test {metric} {value:.4g} (no baseline to compare with)"
    name, base = best
    gain = (value - base) if higher else (base - value)
    relative = f" ({gain / abs(base):+.1%})" if base else ""
    word = "beats" if gain > 0 else "does not beat"
    return f"test {metric} {value:.4g}: {word} the best baseline, {name} {base:.4g}{relative}"


def summary(task: str, run_name: str, report: Report, metric: str, higher: bool,
            profile: str, commit: str | None) -> str:
    """Markdown: what ran, the verdict, and the model-vs-baselines table."""
    table = format_table({"model": report.model_metrics, "baselines": report.baselines})
    lines = [f"**{run_name}**", "", verdict(report, metric, higher), "",
             f"Task `{task}`, profile `{profile}`, dataset `{report.dataset}`"
             + (f", commit `{commit[:10]}`" if commit else "") + ".", "", "```",
             table, "```"]
    return "\n".join(lines)


def version_tags(task: str, cfg: Any, report: Report, metric: str, run_name: str,
                 commit: str | None) -> dict[str, Any]:
    """The registered version's tags: what it is and how good it is."""
    value = report.model_metrics.get(metric)
    return {"task": task, "cell": getattr(getattr(cfg, "model", None), "cell", None),
            "dataset": report.dataset, "metric": metric,
            f"test/{metric}": f"{value:.6g}" if _finite(value) else None,
            "run_name": run_name, "git_commit": commit}


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
