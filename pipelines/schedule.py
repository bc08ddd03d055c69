"""`rnnkit schedule`: a crontab entry that runs `rnnkit retrain TASK`.

The entry is two lines, a marker comment and the job::

    # rnnkit-schedule: retrain forecast (managed by 'rnnkit schedule'; ...)
    0 3 * * * cd /repo && mkdir -p /logs && env MLFLOW_TRACKING_URI=... \\
        /repo/.venv/bin/python -m pipelines.cli retrain forecast --profile default \\
        --min-improvement 0.0 >> /logs/retrain-forecast.log 2>&1

Installing replaces the lines under the task's marker (so it is idempotent), removing
takes them out; the rest of the crontab is kept as it was. The crontab program is
``$RNNKIT_CRONTAB`` (a command line; tests point it at a script over a file) else
``crontab``; it is called as ``crontab -l`` (read) and ``crontab -`` (write from stdin).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError

PASSED_ENV = ("RNNKIT_DATA_HOME", "KERAS_BACKEND", "PYTHONPATH", "RNNKIT_LOCK_DIR")
MACROS = {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (name, lowest, highest, names mapped to numbers)
FIELDS = (("minute", 0, 59, {}), ("hour", 0, 23, {}), ("day of month", 1, 31, {}),
          ("month", 1, 12, {m: i + 1 for i, m in enumerate(MONTHS)}),
          ("day of week", 0, 7, {d: i for i, d in enumerate(DAYS)}))


class ScheduleError(RnnkitUserError):
    """A bad cron expression, or a crontab that cannot be read or written."""


def validate_cron(expression: str) -> str:
    """The expression with single spaces; ``ScheduleError`` names the bad field.

    Five fields ``MIN HOUR DOM MON DOW``, each ``*`` or a comma list of ``N``,
    ``N-M``, with an optional ``/STEP``; month and weekday names (``jan``, ``mon``)
    are allowed; or one of ``@hourly @daily @weekly @monthly @yearly``.
    """
    fields = expression.split()
    if len(fields) == 1 and fields[0].lower() in MACROS:
        return fields[0].lower()
    if len(fields) != 5:
        raise ScheduleError(
            f"Cron expression {expression!r} has {len(fields)} fields; it needs 5: "
            'minute hour day-of-month month day-of-week, e.g. "0 3 * * *".'
        )
    for text, (name, low, high, names) in zip(fields, FIELDS, strict=True):
        for part in text.split(","):
            _check_part(expression, part, name, low, high, names)
    return " ".join(fields)


def _check_part(expression, part, name, low, high, names) -> None:
    match = re.fullmatch(r"(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(\d+))?", part)

    def bad(why: str) -> ScheduleError:
        return ScheduleError(f"Cron expression {expression!r}: {name} field {part!r} {why}.")

    if match is None:
        raise bad("is not '*', N, N-M or a list of them (with an optional /STEP)")
    if match.group(2) is not None and int(match.group(2)) < 1:
        raise bad("has a step below 1")
    if match.group(1) == "*":
        return
    bounds = []
    for value in match.group(1).split("-"):
        number = names.get(value.lower()) if not value.isdigit() else int(value)
        if number is None or not low <= number <= high:
            raise bad(f"has {value!r}, outside {low}-{high}")
        bounds.append(number)
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise bad("has a range that runs backwards")


def default_log(task: str) -> Path:
    """``$XDG_STATE_HOME/rnnkit/retrain-<task>.log`` (``~/.local/state/...``)."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "rnnkit" / f"retrain-{task}.log"


def marker(task: str) -> str:
    """The comment line above the task's entry."""
    return (f"# rnnkit-schedule: retrain {task} (managed by 'rnnkit schedule'; "
            f"remove with 'rnnkit schedule {task} --remove')")


def retrain_command(task: str, profile: str = "default", overrides: Sequence[str] = (),
                    min_improvement: float = 0.0, log: Path | None = None) -> str:
    """The shell command of the entry: environment, this Python, output appended to log."""
    log = Path(log or default_log(task)).absolute()
    env = {"MLFLOW_TRACKING_URI": _absolute_uri(tracking.tracking_uri())}
    env.update({k: os.environ[k] for k in PASSED_ENV if os.environ.get(k)})
    command = [sys.executable, "-m", "pipelines.cli", "retrain", task, "--profile", profile,
               "--min-improvement", repr(float(min_improvement)), *overrides]
    q = shlex.quote
    return (f"cd {q(os.getcwd())} && mkdir -p {q(str(log.parent))} && "
            f"echo \"== $(date) rnnkit retrain {task}\" >> {q(str(log))} && "
            + "env " + " ".join(f"{k}={q(v)}" for k, v in env.items()) + " "
            + " ".join(q(part) for part in command) + f" >> {q(str(log))} 2>&1")


def cron_entry(task: str, cron: str, **retrain_args) -> str:
    """The marker line and the crontab line (``%`` escaped, as cron requires)."""
    when = validate_cron(cron)
    return marker(task) + "\n" + when + " " + retrain_command(task, **retrain_args).replace(
        "%", r"\%")


def install_entry(task: str, entry: str) -> None:
    """Put ``entry`` in the crontab, replacing the task's earlier entry if any."""
    kept, _ = _without(read_crontab(), task)
    write_crontab("".join(line + "\n" for line in [*kept, *entry.splitlines()]))


def remove_entry(task: str) -> bool:
    """Take the task's entry out of the crontab; False when there was none."""
    kept, found = _without(read_crontab(), task)
    if found:
        write_crontab("".join(line + "\n" for line in kept))
    return found


def _without(text: str, task: str) -> tuple[list[str], bool]:
    """The crontab's lines without the task's marker and the job line under it."""
    lines, kept, found, skip = text.splitlines(), [], False, False
    for line in lines:
        if skip:
            skip = False
            continue
        if line.strip() == marker(task):
            found = skip = True
            continue
        kept.append(line)
    return kept, found


def crontab_program() -> list[str]:
    """``$RNNKIT_CRONTAB`` split as a command line, else ``crontab``; checked to exist."""
    command = shlex.split(os.environ.get("RNNKIT_CRONTAB") or "crontab")
    if not command or shutil.which(command[0]) is None:
        raise ScheduleError(
            f"No crontab program {command[0] if command else ''!r} here. Install cron, set "
            "RNNKIT_CRONTAB, or add the line 'rnnkit schedule TASK --cron ... --print' "
            "shows by hand (README: the equivalent systemd timer)."
        )
    return command


def read_crontab() -> str:
    """The current crontab ('' when the user has none yet)."""
    done = subprocess.run([*crontab_program(), "-l"], capture_output=True, text=True)
    if done.returncode != 0:
        if "no crontab" in done.stderr.lower():
            return ""
        raise ScheduleError(f"'crontab -l' failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def write_crontab(text: str) -> None:
    done = subprocess.run([*crontab_program(), "-"], input=text, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise ScheduleError(f"'crontab -' failed ({done.returncode}): {done.stderr.strip()}")


def _absolute_uri(uri: str) -> str:
    """A relative ``sqlite:///x.db`` made absolute, so the job finds the same store."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/"):
        return prefix + str(Path(uri[len(prefix):]).absolute())
    return uri
