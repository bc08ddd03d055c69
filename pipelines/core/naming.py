"""What runs and metrics are called in MLflow, so the UI groups them and a person can
tell a test figure from a training one at a glance.

```
run name          forecast · gru 64 · seattle-weather  (· profile unless default, #N if taken)
per epoch         train/<m>   val/<m>   optimizer/learning_rate   time/epoch_s
test, the model   test/<m>                      (original units: what the task is judged by)
test, a baseline  baseline/<name>/test/<m>
per stage         duration_s/<stage>            throughput/<what>
```
Runs logged before these names (``test_<m>``, ``baseline_<name>_<m>``, ``val_<m>``) are
still read by ``rnnkit compare``.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

TEST, BASELINE = "test/", "baseline/"
SMOKE_PROFILE = "smoke"
CHAMPION = "champion"  # the registry alias `rnnkit retrain` and `rnnkit promote` move


def registered_model_name(task: str, profile: str | None = None) -> str:
    """The registered model of ``task``: ``rnnkit-<task>``, the serving name, for every
    profile but ``smoke``, whose seconds-long runs go to ``rnnkit-<task>-smoke`` so that
    a test or a try-out never becomes the model ``rnnkit predict`` serves."""
    suffix = "-smoke" if profile == SMOKE_PROFILE else ""
    return f"rnnkit-{task}{suffix}"


def serving_note(name: str, version, task: str, alias: str | None = CHAMPION) -> str:
    """The line saying which registered version serves: by ``alias``, or (``None``) the
    latest version of a model without a champion."""
    if alias is not None:
        return f"serving {name} version {version} (alias {alias})"
    return (f"serving {name} version {version}, the latest: it has no '{CHAMPION}' alias "
            f"(set one with 'rnnkit promote {task} VERSION')")


def say_on_stderr(line: str) -> None:
    """How ``rnnkit`` tells which model serves: ``rnnkit: <line>`` on stderr."""
    import sys

    print(f"rnnkit: {line}", file=sys.stderr)


def test_metric(metric: str) -> str:
    return f"{TEST}{metric}"


def baseline_metric(baseline: str, metric: str) -> str:
    return f"{BASELINE}{baseline}/{TEST}{metric}"


def epoch_metric(key: str) -> str:
    """A Keras ``logs`` key as logged per epoch: ``val_loss`` -> ``val/loss``."""
    if key == "learning_rate":
        return "optimizer/learning_rate"
    if key == "epoch_seconds":
        return "time/epoch_s"
    if key.startswith("val_"):
        return f"val/{key[4:]}"
    return f"train/{key}"


def read_test_metrics(metrics: dict[str, float]) -> dict[str, float]:
    """The model's test metrics of a run, by metric name, in either naming (the old one
    only for a run that has no ``test/`` metric: new runs log counts like ``test_clips``)."""
    new = {k[len(TEST):]: v for k, v in metrics.items() if k.startswith(TEST)}
    if new:
        return new
    return {k[len("test_"):]: v for k, v in metrics.items() if k.startswith("test_")}


def read_baseline_metrics(metrics: dict[str, float], names: list[str]) -> dict[str, dict]:
    """``{baseline: {metric: value}}`` of a run, in either naming (``names``: the test
    metrics, to split old ``baseline_<name>_<metric>`` keys where both hold ``_``)."""
    out: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        if key.startswith(BASELINE) and f"/{TEST}" in key:
            name, _, metric = key[len(BASELINE):].partition(f"/{TEST}")
            out.setdefault(name, {})[metric] = value
            continue
        for metric in sorted(names, key=len, reverse=True):
            if key.startswith("baseline_") and key.endswith("_" + metric):
                out.setdefault(key[len("baseline_"): -len(metric) - 1], {})[metric] = value
                break
    return out


def dataset_label(source: Any) -> str:
    """A short name for ``data.source``: ``csv:/data/load.csv`` -> ``load.csv``."""
    text = str(source or "")
    kind, sep, rest = text.partition(":")
    if sep and rest and ("/" in rest or "." in rest):
        return PurePath(rest).name or text
    return text


def run_name(task: str, cell: Any, size: Any, dataset: Any, profile: str) -> str:
    """``forecast · gru 64 · seattle-weather`` (+ ``· smoke`` for another profile)."""
    parts = [task, " ".join(str(p) for p in (cell, size) if p not in (None, "")),
             dataset_label(dataset)]
    if profile != "default":
        parts.append(profile)
    return " · ".join(p for p in parts if p)
