"""One study = one module + one YAML of profiles + one command; its results are
regenerated, never typed.

A study is the module ``pipelines.studies.<name>``: its ``DESCRIPTION`` (the README's
opening paragraph), its ``Params`` -- a ``pipelines.core.config.ConfigModel`` holding
every param's default and allowed range, as a task's config does -- and its
``run(params, echo)``. ``experiments/studies/<name>.yaml`` holds only ``profiles:``,
overlays deep-merged over those defaults (``smoke`` sized to run in seconds; ``default``
the study as published, usually empty)::

    profiles:
      smoke: {steps: [12], seeds: 1, clipping: {train_steps: 4}}
      default: {}

Tasks and studies share one loader (``pipelines.core.config.load_config``): the
command-line overrides are dotted ``key=value`` strings (``seeds=1``, ``'tasks=[adding]'``,
``training.adding.train_steps=100``), and an unknown key, a value of the wrong type or out
of range is a ``ConfigError`` naming the key, the value and what is allowed, before
anything runs. A section (``clipping``) merges key by key; a list (``cells``) or mapping
(``overrides``) is replaced as a whole.

``run_study(name)`` loads the params, calls ``run(params, echo)``, which returns a
``StudyOutput`` (tables, figures, raw data, metrics), and then (after the study, so that
a study may run tasks, each in its own MLflow run)

- writes ``experiments/results/<name>/README.md`` (every table, a link to every plot,
  stamped with the exact command, the git commit, the machine, the run time and the
  resolved params), the PNG plots and the raw data as CSV: ``--smoke`` writes under
  ``experiments/results/smoke/<name>/`` (git-ignored) unless ``out_dir`` is given;
- logs the same to one MLflow run in the experiment ``rnnkit-study-<name>``: the
  flattened params (``clipping.seeds`` ...), metrics, figures, tables, the README and the
  data -- only the files this run wrote.

The results folder is the study's own: ``MARKER`` (``.rnnkit-study``, holding the
study's name) marks a folder a study wrote. A folder that is not empty is refused
before the study runs unless it carries the marker of the same study, or holds only
what a study writes (``README.md`` stamped ``# Study `<name>` ``, PNGs, CSVs: results
committed before the marker existed). So ``--out`` never overwrites a README or
uploads a file the study did not write.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import os
import platform
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from pipelines.core import tracking
from pipelines.core.config import ConfigModel, load_config, to_dict
from pipelines.core.errors import ConfigError, RnnkitUserError

REPO = Path(__file__).resolve().parents[2]
STUDIES_DIR = REPO / "experiments" / "studies"
RESULTS_DIR = REPO / "experiments" / "results"
STUDIES = ("gradients", "bench", "long_memory", "depth", "cells_on_tasks")
MARKER = ".rnnkit-study"
WRITTEN_SUFFIXES = {".png", ".csv"}


class UnknownStudyError(RnnkitUserError):
    """The study name has no config under experiments/studies/."""


@dataclass
class StudyOutput:
    """What a study's ``run`` returns.

    Attributes:
        tables: title -> DataFrame of display strings (written as markdown tables).
        figures: file stem -> matplotlib figure (written as ``<stem>.png``).
        data: file stem -> DataFrame of raw numbers (written as ``<stem>.csv``).
        metrics: flat name -> number, logged to MLflow.
        notes: lines of set-up detail computed by the study (sizes, seeds ...).
    """

    tables: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class StudyRun:
    """The outcome of ``run_study``: where the results went and the MLflow run."""

    name: str
    out_dir: Path
    run_id: str
    seconds: float
    output: StudyOutput


def available() -> list[str]:
    """Names of the studies that have a config and a module."""
    return [n for n in STUDIES if (STUDIES_DIR / f"{n}.yaml").is_file()]


def study_module(name: str) -> ModuleType:
    """The module ``pipelines.studies.<name>`` of a study that has a config.

    Raises:
        UnknownStudyError: not one of ``STUDIES`` with a config (a close name suggested).
    """
    if name not in STUDIES or not (STUDIES_DIR / f"{name}.yaml").is_file():
        known = available()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownStudyError(
            f"Unknown study {name!r}.{hint} Available studies: {', '.join(known) or '(none)'}."
        )
    return importlib.import_module(f"pipelines.studies.{name}")


def load_params(name: str, smoke: bool = False,
                overrides: Sequence[str] = ()) -> tuple[str, ConfigModel]:
    """The study's description and its validated ``Params``: the defaults, the profile
    ``smoke`` (when ``smoke``) or ``default`` of ``experiments/studies/<name>.yaml``, then
    each dotted ``key=value`` override (see the module doc).

    Raises:
        UnknownStudyError: no such study.
        ConfigError: an unknown key, a wrong type, a value out of range, a broken rule.
    """
    module = study_module(name)
    params = load_config(module.Params, STUDIES_DIR / f"{name}.yaml",
                         "smoke" if smoke else "default", overrides)
    return " ".join(module.DESCRIPTION.split()), params


def command_line(name: str, smoke: bool, overrides: Sequence[str] = ()) -> str:
    """The command that reproduces the study, with ``KERAS_BACKEND`` unless TensorFlow."""
    backend = tracking.keras_backend()
    words = ([] if backend == "tensorflow" else [f"KERAS_BACKEND={backend}"])
    words += [f"rnnkit study {name}", *(shlex.quote(o) for o in overrides)]
    return " ".join(words) + (" --smoke" if smoke else "")


def git_state() -> tuple[str, str]:
    """(commit, "clean" or the list of changed paths outside experiments/results)."""

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                                 text=True, timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return ""
        return out.stdout

    commit = git("rev-parse", "HEAD").strip() or "unknown (not a git checkout)"
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if not line[3:].startswith("experiments/results/")]
    return commit, ("clean" if not changed else "uncommitted changes in " + ", ".join(changed))


def markdown_table(frame) -> str:
    """A DataFrame (index ignored) as a GitHub markdown table; numbers right-aligned."""
    header = [str(c) for c in frame.columns]
    numeric = [frame[c].dtype.kind in "if" for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _machine() -> str:
    import keras

    return (f"Keras {keras.__version__} on {keras.backend.backend()}, "
            f"{os.cpu_count()} CPU cores ({platform.machine()}), "
            f"Python {platform.python_version()}")


def render(name: str, description: str, params: ConfigModel | Mapping[str, Any], smoke: bool,
           output: StudyOutput, seconds: float, commit: str, tree: str,
           overrides: Sequence[str] = ()) -> str:
    """The study's README.md."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# Study `{name}`" + (" (smoke)" if smoke else ""),
        "",
        description,
        "",
        f"- Command: `{command_line(name, smoke, overrides)}`",
        f"- Commit: `{commit}` (working tree: {tree})",
        f"- Run: {when}, {seconds / 60:.1f} min wall clock; {_machine()}",
        f"- Config: `experiments/studies/{name}.yaml`"
        + (", smoke overlay" if smoke else "") + "; resolved params:",
        "",
        "```yaml",
        yaml.safe_dump(to_dict(params), sort_keys=False, default_flow_style=None,
                       allow_unicode=True, width=100).strip(),
        "```",
        "",
        "This file, the plots and the CSVs beside it are written by the command above; "
        "do not edit them by hand.",
    ]
    if output.notes:
        lines += ["", *[f"- {note}" for note in output.notes]]
    for title, table in output.tables.items():
        lines += ["", f"## {title}", "", markdown_table(table)]
    if output.figures:
        lines += ["", "## Plots", ""]
        lines += [f"![{stem}]({stem}.png)" for stem in output.figures]
    if output.data:
        lines += ["", "Raw numbers: " + ", ".join(f"[{s}.csv]({s}.csv)" for s in output.data)]
    return "\n".join(lines) + "\n"


def check_out_dir(name: str, out: Path) -> None:
    """Refuse a results folder that is not the study's own (module doc); before the run.

    Raises:
        ConfigError: ``out`` is a file, another study's folder, or holds files no
            study wrote; the message names the folder and the files.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise ConfigError(f"Study results folder {out} is a file; give a folder.")
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    marker = out / MARKER
    if marker.is_file():
        owner = marker.read_text(encoding="utf-8").strip()
        if owner == name:
            return
        raise ConfigError(f"Study results folder {out} was written by study {owner!r}, not "
                          f"{name!r}; give another --out folder.")
    readme = out / "README.md"
    stamped = readme.is_file() and readme.read_text(encoding="utf-8").startswith(
        f"# Study `{name}`")
    foreign = [e for e in entries if e != "README.md"
               and not (Path(e).suffix in WRITTEN_SUFFIXES and (out / e).is_file())]
    if stamped and not foreign:
        return
    shown = ", ".join((foreign or entries)[:8]) + (" ..." if len(entries) > 8 else "")
    raise ConfigError(
        f"Study results folder {out} is not empty and was not written by study {name!r} "
        f"(it holds {shown}); the study would overwrite its README.md and upload its "
        "files. Give an empty or new --out folder.")


def run_study(name: str, smoke: bool = False, out_dir: str | Path | None = None,
              echo: Callable[[str], None] | None = None,
              overrides: Sequence[str] = ()) -> StudyRun:
    """Run study ``name`` end to end: config, MLflow run, results folder.

    Raises:
        UnknownStudyError, ConfigError: before anything runs.
    """
    say = echo or (lambda _line: None)
    description, params = load_params(name, smoke, overrides)
    module = study_module(name)
    if out_dir is None:
        out_dir = RESULTS_DIR / "smoke" / name if smoke else RESULTS_DIR / name
    out = Path(out_dir)
    check_out_dir(name, out)
    commit, tree = git_state()

    import matplotlib

    matplotlib.use("Agg")
    # The study runs first and is logged after: a study may itself run tasks, each in
    # its own MLflow run (pipelines.core.runner), and MLflow keeps one active run.
    start = time.perf_counter()
    output = module.run(params, say)
    seconds = time.perf_counter() - start
    text = render(name, description, params, smoke, output, seconds, commit, tree, overrides)
    check_out_dir(name, out)  # again: nothing may have appeared there meanwhile
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(name + "\n", encoding="utf-8")
    written = []
    for stem, fig in output.figures.items():
        written.append(out / f"{stem}.png")
        fig.savefig(written[-1], dpi=110, bbox_inches="tight")
    for stem, frame in output.data.items():
        written.append(out / f"{stem}.csv")
        frame.to_csv(written[-1], index=False, float_format="%.6g")
    written.append(out / "README.md")
    written[-1].write_text(text, encoding="utf-8")

    run = tracking.start_run(f"study-{name}", run_name=f"{name}{'-smoke' if smoke else ''}")
    say(f"[study {name}] MLflow run {run.run_id} in {tracking.experiment_name('study-' + name)}"
        f" at {tracking.tracking_uri()}")
    try:
        tracking.set_tags({"study": name, "smoke": smoke, "git_commit": commit,
                           "git_tree": tree[:250], "keras_backend": tracking.keras_backend()})
        tracking.log_params(params)
        tracking.log_metrics({**output.metrics, "duration_s/study": seconds})
        tracking.log_figures(output.figures)
        tracking.log_tables({t: markdown_table(f) for t, f in output.tables.items()})
        for path in written:
            tracking.log_path(path, artifact_path="results")
    except BaseException:
        tracking.end_run("FAILED")
        raise
    tracking.end_run("FINISHED")
    say(f"[study {name}] done in {seconds:.1f} s; results in {out}")
    return StudyRun(name, out, run.run_id, seconds, output)
