"""`rnnkit ui`: MLflow's UI over this project's store, started and stopped cleanly.

The server is ``mlflow server`` with one worker (``--workers``) and no background job
runner, in a process group of its own; its address is printed only once ``/health``
answers, as a link that opens this project's experiments in MLflow's model-training
view (``workflowType=machine_learning``: not the GenAI overview). SIGINT and SIGTERM stop
the server and every worker it started (the whole process group), so the port is free
again when ``rnnkit ui`` returns.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError

VIEW = "workflowType=machine_learning"


def address(base: str, experiment_id: str | None) -> str:
    """The link to open: an experiment's runs, else the experiments list."""
    page = f"experiments/{experiment_id}/runs" if experiment_id else "experiments"
    return f"{base}/#/{page}?{VIEW}"


def first_experiment(uri: str) -> str | None:
    """The id of this project's most recently created task experiment (``rnnkit-*``)."""
    try:
        found = tracking.client().search_experiments(filter_string="name LIKE 'rnnkit-%'",
                                                     order_by=["creation_time DESC"])
    except Exception:  # an empty or unreadable store: the list page is fine
        return None
    return found[0].experiment_id if found else None


def run_ui(port: int = 5000, workers: int = 1, say: Callable[[str], None] = print,
           timeout: float = 180.0) -> int:
    """Serve the UI until stopped; the exit status of the server (0 when stopped)."""
    uri = tracking.tracking_uri()
    if uri.startswith(("http://", "https://")):
        say(f"The store {uri} is an MLflow server already: open "
            f"{address(uri.rstrip('/'), None)}")
        return 0
    tracking.ensure_store(uri)
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--backend-store-uri", uri]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    process = subprocess.Popen(command, env=env, start_new_session=True)
    stopping = {"signal": None}

    def stop(signum, frame):
        stopping["signal"] = signum

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    base = f"http://127.0.0.1:{port}"
    try:
        if not _wait_healthy(base, process, timeout, stopping):
            if stopping["signal"] is None and process.poll() is not None:
                raise RnnkitUserError(f"The MLflow server exited ({process.returncode}) "
                                      f"before answering on {base}; is port {port} taken?")
            if stopping["signal"] is None:
                raise RnnkitUserError(f"The MLflow server did not answer on {base} within "
                                      f"{timeout:.0f} s.")
        else:
            say(f"MLflow UI for {uri}: {address(base, first_experiment(uri))}")
        while stopping["signal"] is None and process.poll() is None:
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop_group(process)
    return 0 if stopping["signal"] is not None else (process.returncode or 0)


def _wait_healthy(base: str, process, timeout: float, stopping) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and stopping["signal"] is None:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def _stop_group(process, grace: float = 15.0) -> None:
    """SIGTERM the server's whole process group (it and its workers), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
