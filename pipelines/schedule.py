"""`rnnkit schedule`: a crontab entry that runs `rnnkit retrain TASK`.

The entry is two lines, a marker comment and the job::

    # rnnkit-schedule: retrain forecast (managed by 'rnnkit schedule'; ...)
    0 3 * * * cd /repo && mkdir -p /logs && env MLFLOW_TRACKING_URI=... \\
        /repo/.venv/bin/python -m pipelines.cli retrain forecast --profile default \\
        --min-improvement 0.0 >> /logs/retrain-forecast.log 2>&1

The job line ends with the shell comment ``# rnnkit-schedule-end: retrain TASK``
(harmless to ``sh``), so the lines a marker owns are exactly marker .. end line.
Installing replaces them (so it is idempotent), removing takes them out; every other
line of the crontab is kept byte for byte. An entry written before the end comment
existed owns the lines from its marker through the first one ending in ``2>&1`` (the
job's redirect; at most ``LEGACY_SPAN`` lines, never past another marker), so an entry
split by an injected newline is removed whole.

Cron ends an entry at a newline, so a newline inside any value that reaches the entry
(an override, the ``--log`` path, an environment value passed on, the working
directory) would install a second job. Such values -- CR, LF or NUL anywhere -- are
refused with a ``ScheduleError`` naming the value, before anything is written, and the
entry is checked to be exactly its marker and one job line.

The crontab program is ``$RNNKIT_CRONTAB`` (a command line; tests point it at a script
over a file) else ``crontab``; it is called as ``crontab -l`` (read) and ``crontab -``
(write from stdin).
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
LINE_BREAKS = {"\n": "a newline (LF)", "\r": "a carriage return (CR)", "\x00": "a NUL byte"}
LEGACY_SPAN = 20  # lines an old-style entry may own after its marker
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


MARKER_PREFIX = "# rnnkit-schedule: "


def marker(task: str) -> str:
    """The comment line above the task's entry."""
    return (f"{MARKER_PREFIX}retrain {task} (managed by 'rnnkit schedule'; "
            f"remove with 'rnnkit schedule {task} --remove')")


def end_tag(task: str) -> str:
    """The shell comment closing the task's job line."""
    return f"# rnnkit-schedule-end: retrain {task}"


def check_one_line(what: str, value: str) -> str:
    """``value`` unchanged, or a ``ScheduleError`` when it holds CR, LF or NUL."""
    for char, name in LINE_BREAKS.items():
        if char in str(value):
            raise ScheduleError(
                f"{what} holds {name}: {str(value)!r}. A crontab entry ends at a line "
                "break, so the rest would run as a job of its own; nothing was written.")
    return value


def retrain_command(task: str, profile: str = "default", overrides: Sequence[str] = (),
                    min_improvement: float = 0.0, log: Path | None = None) -> str:
    """The shell command of the entry: environment, this Python, output appended to log.

    Raises:
        ScheduleError: a value that reaches the command (an override, the profile, the
            log path, a passed environment value, the working directory, this Python)
            holds CR, LF or NUL, which would end the crontab line (module doc). Checked
            here, not at install, so ``--print`` refuses too.
    """
    for item in overrides:
        check_one_line(f"Override {item.partition('=')[0]!r}", item)
    log_given = log is not None
    check_one_line("--log path", str(log or ""))
    check_one_line("--profile", profile)
    check_one_line("The task name", task)
    log = Path(log or default_log(task)).absolute()
    env = {"MLFLOW_TRACKING_URI": _absolute_uri(tracking.tracking_uri())}
    env.update({k: os.environ[k] for k in PASSED_ENV if os.environ.get(k)})
    for key, value in env.items():
        check_one_line(f"Environment variable {key}", value)
    check_one_line("The working directory", os.getcwd())
    check_one_line("The Python executable", sys.executable)
    check_one_line("--log path" if log_given else "The default log path (XDG_STATE_HOME or "
                   "HOME)", str(log))
    command = [sys.executable, "-m", "pipelines.cli", "retrain", task, "--profile", profile,
               "--min-improvement", repr(float(min_improvement)), *overrides]
    q = shlex.quote
    return (f"cd {q(os.getcwd())} && mkdir -p {q(str(log.parent))} && "
            f"echo \"== $(date) rnnkit retrain {task}\" >> {q(str(log))} && "
            + "env " + " ".join(f"{k}={q(v)}" for k, v in env.items()) + " "
            + " ".join(q(part) for part in command) + f" >> {q(str(log))} 2>&1")


def cron_entry(task: str, cron: str, **retrain_args) -> str:
    """The marker line and the crontab line (``%`` escaped, as cron requires)."""
    when = validate_cron(check_one_line("--cron", cron))
    job = retrain_command(task, **retrain_args).replace("%", r"\%")
    entry = f"{marker(task)}\n{when} {job} {end_tag(task)}"
    check_entry(task, entry)
    return entry


def check_entry(task: str, entry: str) -> None:
    """``entry`` must be exactly the task's marker and one job line ending in its tag."""
    lines = entry.split("\n")
    if (len(lines) != 2 or lines[0] != marker(task) or "\r" in entry or "\x00" in entry
            or not lines[1].endswith(" " + end_tag(task))):
        raise ScheduleError(f"Refusing to write a crontab entry for {task} that is not its "
                            f"marker and one job line: {entry!r}.")


def install_entry(task: str, entry: str) -> None:
    """Put ``entry`` in the crontab, replacing the task's earlier entry if any."""
    check_entry(task, entry)
    kept, _ = _without(read_crontab(), task)
    write_crontab("".join(line + "\n" for line in [*kept, *entry.split("\n")]))


def remove_entry(task: str) -> bool:
    """Take the task's entry out of the crontab; False when there was none."""
    kept, found = _without(read_crontab(), task)
    if found:
        write_crontab("".join(line + "\n" for line in kept))
    return found


def _without(text: str, task: str) -> tuple[list[str], bool]:
    """The crontab's lines without every line the task's marker owns (module doc)."""
    lines, kept, found, i = text.split("\n"), [], False, 0
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    while i < len(lines):
        if lines[i].strip() != marker(task):
            kept.append(lines[i])
            i += 1
            continue
        found = True
        i += 1 + _owned(lines[i + 1 :], task)
    return kept, found


def _owned(after: list[str], task: str) -> int:
    """How many of the lines after a marker belong to its entry."""
    span = after[:LEGACY_SPAN]
    for n, line in enumerate(span, start=1):
        if line.startswith(MARKER_PREFIX):
            break
        if line.rstrip().endswith(end_tag(task)):
            return n
    for n, line in enumerate(span, start=1):  # an entry written before the end tag
        if line.startswith(MARKER_PREFIX):
            break
        if line.rstrip().endswith("2>&1"):
            return n
    return 1 if after and not after[0].startswith(MARKER_PREFIX) else 0


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
