"""`rnnkit ui`: its link only once the server answers, one worker, and SIGTERM stops the
server and its workers (the port is free again)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from serve_testing import free_port
from store_testing import store_at


@pytest.mark.slow
def test_ui_prints_its_link_once_listening_and_stops_cleanly(tmp_path):
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": store_at(tmp_path / "mlflow.db"),
           "RNNKIT_LOCK_DIR": str(tmp_path)}
    ui = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)],
                          env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = next(line for line in ui.stderr if "MLflow UI for" in line or "error" in line)
        assert f"http://127.0.0.1:{port}/#/experiments?workflowType=machine_learning" in line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
            assert answer.status == 200  # it answers the moment the link is printed
        workers = subprocess.run(["pgrep", "-f", "--", f"--port {port}"], capture_output=True,
                                 text=True).stdout.split()
        assert workers  # the server (and its one worker) run
    finally:
        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=60) == 0
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing holds the port
    left = subprocess.run(["pgrep", "-f", "--", f"--port {port}"], capture_output=True,
                          text=True)
    assert left.stdout.split() == []
