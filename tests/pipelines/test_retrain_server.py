"""Champion/challenger retraining of forecast (smoke) against a real `mlflow server`.

One server for the module; the first retrain (module fixture) makes the champion that
the other tests challenge. Each test asserts the alias and tags in the registry, the
report JSON and the exit status.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import mlflow
import pytest
from typer.testing import CliRunner

import pipelines.forecast.rescore
import pipelines.forecast.train
from pipelines import schedule
from pipelines.cli import app
from pipelines.core import lock, tracking
from store_testing import store_at

MODEL = "rnnkit-forecast-smoke"  # --profile smoke retrains never touch rnnkit-forecast
FAST = ["--profile", "smoke", "evaluate.statistical=none"]
# One epoch of a 2-unit GRU at a hundredth of the learning rate: barely trained.
WORSE = ["train.epochs=1", "model.units=2", "train.learning_rate=2e-5"]

runner = CliRunner()
pytestmark = pytest.mark.xdist_group("mlflow_server")  # one server, one worker (make test)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `mlflow server` on 127.0.0.1 (sqlite + artifacts in a temp dir); the
    module's environment points MLFLOW_TRACKING_URI and RNNKIT_LOCK_DIR at it."""
    root = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    log = open(root / "server.log", "w")  # closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", store_at(root / "server.db"),
         "--artifacts-destination", str(root / "artifacts"), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True,
        # no background job runner (7 extra processes, half a minute on 2 cores)
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"mlflow server did not start; see {root}/server.log") \
                        from None
                time.sleep(0.5)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MLFLOW_TRACKING_URI", url)
            patch.setenv("RNNKIT_LOCK_DIR", str(root / "locks"))
            yield mlflow.MlflowClient(tracking_uri=url)
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        os.killpg(process.pid, signal.SIGTERM)  # the server and the workers it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def retrain(tmp_path, *args: str):
    """Run `rnnkit retrain forecast` in-process; return (result, report dict or None)."""
    report = tmp_path / f"retrain-{time.monotonic_ns()}.json"
    result = runner.invoke(app, ["retrain", "forecast", *FAST, *args, "--report", str(report)])
    return result, json.loads(report.read_text()) if report.exists() else None


def champion(client) -> str | None:
    try:
        return str(client.get_model_version_by_alias(MODEL, "champion").version)
    except mlflow.exceptions.MlflowException:
        return None


def tags(client, version: str) -> dict[str, str]:
    return client.get_model_version(MODEL, version).tags


def versions(client) -> list[str]:
    return sorted((v.version for v in client.search_model_versions(f"name = '{MODEL}'")),
                  key=int)


@pytest.fixture(scope="module")
def first(server, tmp_path_factory):
    """The first retrain of the store: its challenger must become champion."""
    assert champion(server) is None
    result, report = retrain(tmp_path_factory.mktemp("first"))
    return result, report


def test_first_retrain_promotes(server, first):
    result, report = first
    assert result.exit_code == 0, result.output
    decision = report["retrain"]
    assert decision["decision"] == "promoted" and decision["champion"] is None
    version = decision["challenger"]["version"]
    assert champion(server) == version == decision["champion_after"]
    assert server.get_model_version(MODEL, version).run_id == report["run_id"]
    assert tags(server, version)["retrain.decision"] == "promoted"
    assert server.get_run(report["run_id"]).data.tags["retrain.decision"] == "promoted"
    # score_model, fed the registered pyfunc, reproduces the run's own evaluate stage
    for metric in ("mae", "rmse", "smape", "mase"):
        assert decision["challenger"]["metrics"][metric] == pytest.approx(
            report["model"][metric], rel=1e-5)
    assert "promoted: champion of rnnkit-forecast is version" in result.stdout
    # predict (and translate, through load_task_model) now default to the champion
    assert tracking.serving_model("forecast", "smoke").uri == f"models:/{MODEL}@champion"


def test_worse_challenger_keeps_the_champion(server, first, tmp_path):
    before = champion(server)
    assert before is not None
    result, report = retrain(tmp_path, *WORSE, "--min-improvement", "0.01")
    assert result.exit_code == 0, result.output
    decision = report["retrain"]
    assert decision["decision"] == "kept_champion" and decision["promoted"] is False
    assert champion(server) == before == decision["champion_after"]
    challenger = decision["challenger"]["version"]
    assert challenger != before
    assert decision["champion"]["version"] == before
    assert decision["challenger"]["metrics"]["mae"] > decision["champion"]["metrics"]["mae"]
    assert decision["improvement"] < 0.01 and decision["min_improvement"] == 0.01
    # same data, same test window: the champion scores what its own run measured
    first_report = first[1]
    assert decision["champion"]["metrics"]["mae"] == pytest.approx(
        first_report["model"]["mae"], rel=1e-5)
    assert decision["window"] == f"test split of run {report['run_id']}"

    mine, theirs = tags(server, challenger), tags(server, before)
    assert mine["retrain.decision"] == "kept_champion" and mine["retrain.role"] == "challenger"
    assert theirs["retrain.decision"] == "kept" and theirs["retrain.role"] == "champion"
    assert float(mine["retrain.challenger_mae"]) == pytest.approx(
        decision["challenger"]["metrics"]["mae"], rel=1e-5)
    assert mine["retrain.champion_version"] == before
    assert "kept_champion" in result.stdout


def test_failing_training_leaves_the_champion(server, first, tmp_path, monkeypatch):
    before, known = champion(server), versions(server)

    def broken_train(cfg, features):
        raise RuntimeError("GPU fell off the bus")

    monkeypatch.setattr(pipelines.forecast.train, "train", broken_train)
    result, report = retrain(tmp_path)
    assert result.exit_code == 1
    assert "Stage 'train' of task 'forecast' failed" in result.stderr
    assert "GPU fell off the bus" in result.stderr and "Traceback" not in result.stderr
    assert report is None
    assert champion(server) == before and versions(server) == known
    experiment = server.get_experiment_by_name("rnnkit-forecast")
    latest = server.search_runs([experiment.experiment_id], order_by=["start_time DESC"],
                                max_results=1)[0]
    assert latest.info.status == "FAILED"


def test_concurrent_retrain_is_refused(server, first, tmp_path):
    before, known = champion(server), versions(server)
    path = lock.retrain_lock_path("forecast", tracking.tracking_uri())
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import pathlib, time\nfrom pipelines.core import lock\n"
         f"with lock.exclusive(pathlib.Path({str(path)!r}), 'retrain'):\n"
         "    print('held', flush=True)\n    time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result, report = retrain(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 3
    assert "'rnnkit retrain forecast' is already running" in result.stderr
    assert f"pid {holder.pid}" in result.stderr and str(path) in result.stderr
    assert report is None
    assert champion(server) == before and versions(server) == known


def test_scheduled_entry_run_by_hand_retrains(server, first, tmp_path, fake_crontab):
    log = tmp_path / "logs" / "retrain-forecast.log"
    installed = runner.invoke(app, ["schedule", "forecast", "--cron", "0 3 * * *", *FAST,
                                    "--log", str(log)])
    assert installed.exit_code == 0, installed.output
    lines = fake_crontab.read_text().splitlines()
    line = lines[lines.index(schedule.marker("forecast")) + 1]
    assert line.startswith("0 3 * * * ")
    before, known = champion(server), versions(server)

    command = line.split(None, 5)[5].replace("\\%", "%")  # what cron hands to sh
    cron_env = {"PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"], "SHELL": "/bin/sh"}
    done = subprocess.run(["sh", "-c", command], env=cron_env, timeout=540)
    text = log.read_text()
    assert done.returncode == 0, text[-3000:]
    new = [v for v in versions(server) if v not in known]
    assert len(new) == 1
    decision = tags(server, new[0])["retrain.decision"]
    assert decision in ("promoted", "kept_champion")
    assert champion(server) == (new[0] if decision == "promoted" else before)
    assert f"{decision}: champion of rnnkit-forecast" in text
    assert text.startswith("== ")  # the entry stamps each run in the log


def test_retrain_killed_after_registering_keeps_champion_and_version(server, first, tmp_path,
                                                                     monkeypatch):
    before, known = champion(server), versions(server)

    def killed(cfg, raw, features, model):  # SIGTERM while the models are being scored
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the retrain")

    monkeypatch.setattr(pipelines.forecast.rescore, "score_model", killed)
    result, report = retrain(tmp_path, *WORSE)
    assert result.exit_code == 128 + signal.SIGTERM
    assert report is None
    assert champion(server) == before
    new = [v for v in versions(server) if v not in known]
    assert len(new) == 1 and set(known) <= set(versions(server))  # nothing deleted
    assert tags(server, new[0])["retrain.decision"] == "failed"
    assert "SystemExit" in tags(server, new[0])["retrain.reason"]


RACE = """
import sys, time
from pipelines.core import promotion, tracking
name, before, mine, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
client = tracking.client()
b, c = client.get_model_version(name, before), client.get_model_version(name, mine)
time.sleep(max(0.0, start - time.time()))
try:
    promotion.move_alias(client, name, b, c)
    print("won", flush=True)
except promotion.PromotionError as exc:
    print("lost", exc, flush=True)
"""


def test_two_processes_racing_to_move_the_champion(server, first, tmp_path):
    """Two hosts' retrains promote at the same moment: exactly one wins, the alias
    names the winner, and the loser says it lost (the store-side mover token)."""
    before = champion(server)
    others = [v for v in versions(server) if v != before][-2:]
    if len(others) < 2:
        retrain(tmp_path, *WORSE)
        others = [v for v in versions(server) if v != before][-2:]
    start = str(time.time() + 6)  # both have imported mlflow by then
    env = {**os.environ, "RNNKIT_PROMOTION_SETTLE_S": "1"}  # the default a host runs with
    racers = [subprocess.Popen([sys.executable, "-c", RACE, MODEL, before, mine, start],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
              for mine in others]
    outcomes = [racer.communicate(timeout=120) for racer in racers]
    said = [out.strip() for out, _ in outcomes]
    try:
        assert [s.split()[0] for s in said].count("won") == 1, outcomes
        winner = others[[s.split()[0] for s in said].index("won")]
        assert champion(server) == winner
        loser = said[1 - others.index(winner)]
        assert "Another process" in loser or "moved" in loser, loser
    finally:
        server.set_registered_model_alias(MODEL, "champion", before)


def rest(path: str, **query) -> dict:
    """GET an MLflow REST endpoint of the module's server."""
    url = f"{os.environ['MLFLOW_TRACKING_URI']}/api/2.0/mlflow/{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def test_a_run_and_its_version_read_well_through_the_rest_api(server, first):
    """What the MLflow UI shows (issue 27), checked as its REST API serves it."""
    _, report = first
    run = rest("runs/get", run_id=report["run_id"])["run"]
    assert run["info"]["run_name"].startswith("forecast · gru 8 · seattle-weather · smoke")
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    note = tags["mlflow.note.content"]
    assert "test mae" in note and "best baseline" in note and "baseline: naive" in note
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    # resolved values, not the None the config left open; nothing of other cells
    assert (params["featurize.lookback"], params["featurize.horizon"]) == ("30", "1")
    assert params["data.target"] == "temp_max" and params["featurize.frequency"] == "1D"
    assert not any(k.startswith(("model.num_layers", "model.stacked_cell")) for k in params)
    keys = {m["key"] for m in run["data"]["metrics"]}
    assert {"test/mae", "test/rmse", "baseline/naive/test/mae", "train/loss", "val/loss",
            "time/epoch_s", "duration_s/train"} <= keys
    assert not any(k.startswith(("test_", "baseline_")) for k in keys)
    inputs = run["inputs"]["dataset_inputs"]
    contexts = sorted(t["value"] for i in inputs for t in i["tags"] if t["key"] ==
                      "mlflow.data.context")
    assert contexts == ["training"]
    dataset = inputs[0]["dataset"]
    assert dataset["name"] == "seattle-weather" and dataset["digest"]
    assert "temp_max" in dataset["schema"]

    model = rest("registered-models/get", name=MODEL)["registered_model"]
    assert {"alias": "champion", "version": champion(server)} in model["aliases"]
    mine = report["retrain"]["challenger"]["version"]
    version = rest("model-versions/get", name=MODEL, version=mine)["model_version"]
    assert "test mae" in version["description"]
    version_tags = {t["key"]: t["value"] for t in version["tags"]}
    assert version_tags["task"] == "forecast" and version_tags["cell"] == "gru"
    assert version_tags["dataset"] == "seattle-weather" and version_tags["metric"] == "mae"
    assert float(version_tags["test/mae"]) == pytest.approx(report["model"]["mae"], rel=1e-5)
