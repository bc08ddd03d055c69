"""The device check runs each step as `rnnkit run`, reads epoch times back from MLflow
and writes the markdown table (here on CPU, with a smoke forecast as its step)."""

import json
import os

import pytest

from experiments import device_check

SMOKE = [*device_check.RUN, "forecast", "--profile", "smoke", "evaluate.statistical=none",
         "--device", "{device}", "--report", "{work}/forecast_smoke.json"]


@pytest.fixture
def smoke_step(monkeypatch):
    monkeypatch.setitem(device_check.STEPS, "forecast_smoke", SMOKE)
    monkeypatch.setitem(device_check.STEPS, "broken", ["-c", "raise SystemExit(3)"])


@pytest.mark.slow
def test_device_check_times_steps_and_writes_the_table(task_store, smoke_step, tmp_path):
    client = task_store("forecast")
    reference = tmp_path / "cpu.json"
    reference.write_text(json.dumps({"steps": [{"step": "forecast_smoke", "wall_s": 99.0,
                                                "epoch_s": 0.5}]}))
    out, figures = tmp_path / "gpu.md", tmp_path / "gpu.json"
    names = ("RNNKIT_DATA_HOME", "MLFLOW_TRACKING_URI")
    environment = [os.environ.get(name) for name in names]
    code = device_check.main(["--data", str(tmp_path), "--device", "cpu", "--steps",
                              "forecast_smoke,broken", "--out", str(out), "--json",
                              str(figures), "--cpu-reference", str(reference)])
    assert code == 1  # the broken step fails, the smoke step still ran
    # the data home and store are the steps', not the caller's
    assert [os.environ.get(name) for name in names] == environment
    steps = {s["step"]: s for s in json.loads(figures.read_text())["steps"]}
    smoke = steps["forecast_smoke"]
    assert smoke["exit"] == 0 and steps["broken"]["exit"] == 3
    run = client.search_runs([client.get_experiment_by_name("rnnkit-forecast").experiment_id])[0]
    logged = [m.value for m in client.get_metric_history(run.info.run_id, "time/epoch_s")]
    assert smoke["epochs"] == len(logged) == 2
    assert smoke["epoch_s"] == round(logged[1], 2)
    assert smoke["metrics"]["mae"] == pytest.approx(run.data.metrics["test/mae"])
    row = next(line for line in out.read_text().splitlines() if line.startswith("| forecast_smoke"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "0" and cells[7] == "99.0" and cells[8] == "0.5"
    assert cells[9] == f"{0.5 / smoke['epoch_s']:.1f}x"


def test_a_bounded_check_cuts_steps_and_keeps_its_page(task_store, monkeypatch, tmp_path):
    """A lease is short: `--set` reaches one step's argv, `--step-timeout` ends a step
    (recorded as `timeout`; here the deadline's 3 s, before its own 30), `--deadline`
    skips what no longer fits, and the page is
    written after the steps that ran."""
    task_store("forecast")
    monkeypatch.setitem(device_check.STEPS, "argv", [
        "-c", "import sys; raise SystemExit(len(sys.argv))"])
    monkeypatch.setitem(device_check.STEPS, "sleepy", ["-c", "import time; time.sleep(60)"])
    monkeypatch.setitem(device_check.STEPS, "broken", ["-c", "raise SystemExit(3)"])
    out, figures = tmp_path / "gpu.md", tmp_path / "gpu.json"
    code = device_check.main([
        "--data", str(tmp_path), "--device", "cpu", "--steps", "argv,sleepy,broken",
        "--set", "argv:a=1", "--set", "argv:b=2", "--step-timeout", "sleepy=30",
        "--deadline", "3", "--work", str(tmp_path / "work"), "--out", str(out),
        "--json", str(figures)])
    steps = {s["step"]: s for s in json.loads(figures.read_text())["steps"]}
    assert code == 1
    assert steps["argv"]["exit"] == 3  # '-c' and the two overrides
    assert steps["argv"]["overrides"] == ["a=1", "b=2"]
    assert steps["sleepy"]["exit"] == "timeout" and steps["sleepy"]["wall_s"] < 10
    assert steps["broken"]["exit"] == "skipped (deadline)"  # under 1 s was left
    page = out.read_text()
    assert "argv: `a=1 b=2`" in page
    assert "| sleepy | timeout |" in page
    assert (tmp_path / "work" / "sleepy.log").exists()
    with pytest.raises(SystemExit):
        device_check.main(["--data", str(tmp_path), "--steps", "argv", "--set", "nope:x=1"])
