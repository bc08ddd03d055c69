"""``rnnkit run TASK --processes N``: N local workers in one JAX process group, supervised.

The command starts N copies of itself (the same arguments, less ``--processes``), each
with the ``JAX_*`` variables of ``pipelines.core.distributed`` (coordinator on
127.0.0.1, a free port) and ``KERAS_BACKEND=jax``, then watches them:

- worker 0 owns the MLflow run and the command's stdout (the results); the others'
  output goes to stderr;
- when every worker exits 0, so does the command;
- when one exits non-zero (or is killed), the others get SIGTERM, then SIGKILL after
  ``$RNNKIT_WORKER_GRACE_S`` seconds (default 10); the MLflow run, whose id worker 0
  wrote to a file, is ended FAILED and tagged with the failing worker, and the command
  fails with a message naming it;
- SIGTERM or Ctrl-C to the command stops the workers the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pipelines.core import distributed
from pipelines.core.errors import RnnkitUserError

GRACE_ENV = "RNNKIT_WORKER_GRACE_S"
DEFAULT_GRACE_S = 10.0
WORKER_ENTRY = "from pipelines.cli import app; app(prog_name='rnnkit')"


class WorkerFailedError(RnnkitUserError):
    """A worker of a multi-process run failed; the run was stopped on every process."""

    def __init__(self, message: str, process_id: int, run_id: str | None):
        super().__init__(message)
        self.process_id, self.run_id = process_id, run_id


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_arguments(argv: Sequence[str]) -> list[str]:
    """``argv`` (the command's arguments) without ``--processes N`` / ``--processes=N``."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--processes":
            skip = True
        elif not arg.startswith("--processes="):
            out.append(arg)
    return out


def check_environment(processes: int) -> None:
    """Refuse ``--processes`` where it cannot work, before any worker starts."""
    if processes < 1:
        raise RnnkitUserError(f"--processes {processes}: expected 1 or more.")
    backend = os.environ.get("KERAS_BACKEND", "jax")
    if backend != "jax":
        raise RnnkitUserError(
            f"--processes runs the workers on JAX (jax.distributed), but KERAS_BACKEND="
            f"{backend}. Unset it or set KERAS_BACKEND=jax.")
    if distributed.from_environment() is not None:
        raise RnnkitUserError(
            f"--processes starts its own process group, but {distributed.COORDINATOR} is "
            "set: on several machines run the command without --processes on each "
            "(README, 'Training on several processes').")


def grace_s() -> float:
    return float(os.environ.get(GRACE_ENV, DEFAULT_GRACE_S))


def launch(argv: Sequence[str], processes: int) -> None:
    """Run the command ``argv`` on ``processes`` local workers; raise
    ``WorkerFailedError`` when one fails (see the module docstring)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="rnnkit-workers-") as scratch:
        run_file = Path(scratch) / "run_id"
        workers = [_start(worker_arguments(argv), i, processes, port, run_file)
                   for i in range(processes)]
        try:
            failed = _supervise(workers)
        finally:
            _stop(workers, grace_s())
        if failed is None:
            return
        process_id, code = failed
        run_id = run_file.read_text().strip() if run_file.exists() else None
        _fail_run(run_id, process_id, processes, code)
    ended = f"; MLflow run {run_id} was ended FAILED" if run_id else ""
    raise WorkerFailedError(
        f"Worker {process_id} of {processes} (JAX process {process_id}) "
        f"{describe_exit(code)}, so the other workers were stopped{ended}. Its messages "
        "are above on stderr.", process_id, run_id)


def _start(args: list[str], process_id: int, processes: int, port: int,
           run_file: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        distributed.COORDINATOR: f"127.0.0.1:{port}",
        distributed.NUM_PROCESSES: str(processes),
        distributed.PROCESS_ID: str(process_id),
        "RNNKIT_RUN_ID_FILE": str(run_file),
        "PYTHONUNBUFFERED": "1",
    }
    stdout = None if process_id == 0 else sys.stderr.fileno()
    return subprocess.Popen([sys.executable, "-c", WORKER_ENTRY, *args], env=env,
                            stdout=stdout)


def _supervise(workers: list[subprocess.Popen]) -> tuple[int, int] | None:
    """Wait until all workers exit 0 (None) or one fails: ``(process id, exit code)``."""
    while True:
        codes = [w.poll() for w in workers]
        for process_id, code in enumerate(codes):
            if code not in (None, 0):
                return process_id, code
        if all(code == 0 for code in codes):
            return None
        time.sleep(0.1)


def _stop(workers: list[subprocess.Popen], grace: float) -> None:
    """SIGTERM every live worker, SIGKILL what still lives ``grace`` seconds later."""
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for w in workers:
        try:
            w.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def _fail_run(run_id: str | None, process_id: int, processes: int, code: int) -> None:
    """End worker 0's run FAILED (it may not have), tagged with the failing worker."""
    if not run_id:
        return
    from pipelines.core import tracking

    tracking.fail_run(run_id, {
        "rnnkit.failed_worker": process_id,
        "rnnkit.failed_worker_exit": describe_exit(code),
        "rnnkit.processes": processes,
    })


def describe_exit(code: int) -> str:
    """``exited with status 3`` / ``was killed by SIGKILL``."""
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"
