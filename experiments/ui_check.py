"""Look at the MLflow UI as a person would (issue 27).

Two forecast runs (`gru`, then `leaky` for 5 epochs) in a temporary store, `rnnkit ui`
on a free port, and headless Chromium (Debian's package: `apt-get install chromium`)
screenshots of what a user opens: the runs table, a run page, the compare view of the
two runs and the registered model. Then SIGTERM to `rnnkit ui`, and a check that the
port is free again.

    python experiments/ui_check.py [OUT_DIR]     # default experiments/results/ui

The facts behind the pictures (names, descriptions, params, metric keys, aliases,
dataset inputs) are checked by the test suite through MLflow's REST API
(tests/pipelines/test_retrain_server.py); this script is for the eyes.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import mlflow

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1600,1000", "--virtual-time-budget=20000"]
RUNS = [[], ["model.cell=leaky", "train.epochs=5"]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rnnkit(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True)


def screenshot(chromium: str, url: str, out: Path, profile: Path) -> None:
    subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}",
                    url], capture_output=True, timeout=120, check=False)
    print(f"  {out.name}: {url}")


def main(out: Path) -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("No chromium here: apt-get install chromium (Debian's package).")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="rnnkit-ui-"))
    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "RNNKIT_LOCK_DIR": str(tmp)}
    for extra in RUNS:
        rnnkit("run", "forecast", "--profile", "smoke", "evaluate.statistical=none", *extra,
               env=env)
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("rnnkit-forecast")
    runs = client.search_runs([experiment.experiment_id], order_by=["start_time ASC"])
    port = free_port()
    ui = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port)],
                          env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    link = ""
    for line in ui.stderr:
        if "MLflow UI for" in line:
            link = line.strip().split(": ", 1)[1]
            break
    print(f"rnnkit ui printed its link after {time.monotonic() - started:.1f} s: {link}")
    base = f"http://127.0.0.1:{port}/#"
    view = "workflowType=machine_learning"
    ids = json.dumps([r.info.run_id for r in runs])
    order = urllib.parse.quote("metrics.`test/mae`")
    pages = {
        "runs_table.png": f"{link}&orderByKey={order}&orderByAsc=true",
        "run_page.png": f"{base}/experiments/{experiment.experiment_id}/runs/"
                        f"{runs[0].info.run_id}?{view}",
        "compare_runs.png": f"{base}/compare-runs?runs={urllib.parse.quote(ids)}"
                            f"&experiments={urllib.parse.quote(json.dumps([experiment.experiment_id]))}"
                            f"&{view}",
        "registered_model.png": f"{base}/models/rnnkit-forecast-smoke?{view}",
    }
    try:
        for name, url in pages.items():
            screenshot(chromium, url, out / name, tmp / "chromium")
    finally:
        ui.send_signal(signal.SIGTERM)
        code = ui.wait(timeout=60)
    with socket.socket() as s:
        free = s.connect_ex(("127.0.0.1", port)) != 0
    print(f"rnnkit ui exited {code} on SIGTERM; port {port} free again: {free}")
    return 0 if free else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "experiments/results/ui"))
