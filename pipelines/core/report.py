"""The ``--report PATH`` JSON contract, its atomic write, and the end-of-run table.

The report file gets the mode any new file gets (``0o666`` less the umask, or the
folder's default ACL): the temp file is created by ``os.open`` with mode ``0o666``, so
the kernel applies the umask, rather than by ``tempfile.mkstemp``, which always makes
``0o600`` and would leave a report other users and tools cannot read. Reading the
umask with ``os.umask`` would briefly change it for every thread of the process.

Contract (DESIGN.md, "The rnnkit command")::

    {"task", "run_id", "dataset", "profile",
     "model": {metric: value}, "baselines": {name: {metric: value}},
     "durations_s": {stage: seconds}}
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.core.types import Report


def report_dict(
    task: str,
    run_id: str,
    profile: str,
    report: Report,
    durations_s: Mapping[str, float],
    placement: Any = None,
) -> dict[str, Any]:
    """The JSON-ready report; non-finite metric values become ``null``.

    ``placement`` (a ``devices.Placement``) adds ``"placement"``: backend, devices,
    strategy, replicas and precision; a ``model_parameters`` extra metric (logged by the
    runner) adds ``"model_parameters"``.
    """
    extra = {"placement": placement.as_dict()} if placement is not None else {}
    if "model_parameters" in report.extra_metrics:
        extra["model_parameters"] = int(report.extra_metrics["model_parameters"])
    return {
        "task": task,
        "run_id": run_id,
        "dataset": report.dataset,
        "profile": profile,
        "model": _metrics(report.model_metrics),
        "baselines": {name: _metrics(m) for name, m in report.baselines.items()},
        "durations_s": {stage: round(float(s), 4) for stage, s in durations_s.items()},
        **extra,
    }


def write_report(path: str | Path, data: Mapping[str, Any]) -> Path:
    """Write ``data`` as JSON to ``path`` atomically: a temp file, then a rename.

    A reader never sees a half-written file, and an existing report is replaced only
    once the new one is complete; the replacement has the mode a new file gets (module
    doc), not the old file's.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, allow_nan=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new, empty, exclusively created temp file beside ``path``: its descriptor and path.

    ``O_EXCL`` makes a name that exists (a file or a symlink) fail rather than be
    followed; a random name that collides is retried, as ``mkstemp`` does.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"No free temp file name beside {path}.")


def format_table(data: Mapping[str, Any]) -> str:
    """A plain-text table: one row per model/baseline, one column per metric."""
    rows = {"model": data.get("model", {})}
    rows.update({f"baseline: {n}": m for n, m in data.get("baselines", {}).items()})
    metrics: list[str] = []
    for values in rows.values():
        metrics += [k for k in values if k not in metrics]
    if not metrics:
        return "(no metrics)"
    width = max(len(name) for name in rows)
    lines = ["  ".join([" " * width, *(f"{m:>10}" for m in metrics)])]
    for name, values in rows.items():
        cells = [_cell(values.get(m)) for m in metrics]
        lines.append("  ".join([name.ljust(width), *cells]))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return f"{'-':>10}"
    return f"{value:>10.4g}" if isinstance(value, int | float) else f"{value!s:>10}"


def _metrics(values: Mapping[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key, value in values.items():
        number = float(value)
        out[str(key)] = number if math.isfinite(number) else None
    return out
