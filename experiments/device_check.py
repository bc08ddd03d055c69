"""The accelerator measurement: layer bench, forecast on Beijing (float32 and bf16) and
the translate `full` profile, each timed, written as one markdown page.

    python experiments/device_check.py --data DATA_DIR [--device gpu] [--steps a,b]
        [--out experiments/results/gpu.md] [--json PATH] [--cpu-reference PATH.json]
        [--set STEP:key=value ...] [--step-timeout STEP=SECONDS ...] [--deadline SECONDS]

`experiments/gpu_check.sh DATA_DIR` runs it on a GPU under `KERAS_BACKEND=jax`. Each
step is a separate process (`rnnkit run ... --report`), so a failing step is recorded
and the others still run. Seconds per epoch come from the `time/epoch_s` metric every
run logs to MLflow: the first epoch (compilation included) apart from the median of the
later ones. `--json` keeps the figures; a CPU run of the same steps, saved that way and
passed as `--cpu-reference`, fills the CPU columns and the speed-up
(CPU later-epoch seconds / this device's).

A lease is short, so the run is bounded: `--set STEP:key=value` adds a config override
to one step (e.g. `translate_full:train.time_budget_minutes=2`; the page lists them),
`--step-timeout STEP=SECONDS` ends a step that runs longer (recorded as `timeout`), and
`--deadline SECONDS` caps the whole run (each step gets at most what is left). The page
and the JSON are rewritten after every step, so a run cut short still leaves its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = ["-m", "pipelines.cli", "run"]
STEPS: dict[str, list[str]] = {
    "bench": ["experiments/bench_layers.py", "--repeats", "3", "--gated",
              "--out", "{work}/bench.md"],
    "forecast": [*RUN, "forecast", "data.source=beijing", "--device", "{device}",
                 "--report", "{work}/forecast.json"],
    "forecast_bf16": [*RUN, "forecast", "data.source=beijing", "--device", "{device}",
                      "--precision", "mixed_bfloat16", "--report", "{work}/forecast_bf16.json"],
    "translate_full": [*RUN, "translate", "--profile", "full", "--device", "{device}",
                       "--report", "{work}/translate_full.json"],
}


def run_step(name: str, work: Path, device: str, env: dict[str, str],
             overrides: list[str] = (), timeout: float | None = None) -> dict:
    """Run one step as a subprocess with ``env`` (and config ``overrides``), ended after
    ``timeout`` seconds; its wall time, exit status (or ``timeout``), overrides and report
    (epoch times read from the MLflow store ``env`` names)."""
    argv = [sys.executable, *(a.format(work=work, device=device) for a in STEPS[name]),
            *overrides]
    print(f"== {name}: {' '.join(argv[1:])} (timeout {timeout and round(timeout)} s)",
          flush=True)
    start, started = time.perf_counter(), time.time()
    with open(work / f"{name}.log", "w") as log:
        try:
            code = subprocess.run(argv, cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    result = {"step": name, "wall_s": round(time.perf_counter() - start, 1), "exit": code,
              "overrides": list(overrides)}
    report = work / f"{name}.json"
    if report.exists():
        data = json.loads(report.read_text())
        result.update(metrics=data.get("model", {}), placement=data.get("placement", {}),
                      **epoch_seconds(data.get("run_id"), env["MLFLOW_TRACKING_URI"]))
    elif name != "bench":  # cut short: the epochs it finished are in the store
        result.update(epoch_seconds(newest_run(env["MLFLOW_TRACKING_URI"], started),
                                    env["MLFLOW_TRACKING_URI"]))
    if name == "bench" and (work / "bench.md").exists():
        result["bench_md"] = (work / "bench.md").read_text()
    print(f"   exit {code}, {result['wall_s']} s", flush=True)
    return result


def newest_run(tracking_uri: str, since: float) -> str | None:
    """The id of the newest run started after ``since`` (epoch seconds), if any."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(experiments, f"attributes.start_time >= {int(since * 1000)}",
                              order_by=["attributes.start_time DESC"], max_results=1)
    return runs[0].info.run_id if runs else None


def epoch_seconds(run_id: str | None, tracking_uri: str) -> dict:
    """Epochs run, the first epoch's seconds and the median of the later ones."""
    if not run_id:
        return {}
    import mlflow

    history = mlflow.MlflowClient(tracking_uri).get_metric_history(run_id, "time/epoch_s")
    seconds = [m.value for m in sorted(history, key=lambda m: m.step)]
    if not seconds:
        return {}
    later = statistics.median(seconds[1:]) if len(seconds) > 1 else None
    return {"epochs": len(seconds), "first_epoch_s": round(seconds[0], 2),
            "epoch_s": None if later is None else round(later, 2)}


def device_name() -> str:
    """The accelerator's name as the backend reports it (or the CPU's)."""
    import keras

    if keras.backend.backend() == "jax":
        import jax

        device = jax.devices()[0]
        return f"{device.device_kind} ({device.platform}, {len(jax.devices())} device(s))"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
    return f"{cpu_model()} ({os.cpu_count()} cores)"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def render(results: list[dict], header: dict, cpu: dict[str, dict]) -> str:
    """The markdown page: what ran where, a table of steps, then the layer bench."""
    lines = [f"# Device check: {header['device']}", "",
             f"- Backend: {header['backend']}; generated {header['date']} at commit "
             f"`{header['commit']}` by `{header['command']}`; load average at the end "
             f"{header.get('load_average')} (1/5/15 min; other work on the machine slows it).",
             "- Wall time per step includes start-up, data loading and evaluation; epoch "
             "times come from the `time/epoch_s` metric (first = with compilation).",
             "- CPU columns: the same steps run on a 2-core CPU (`--cpu-reference`); speed-up "
             "= CPU seconds per later epoch / this device's.", "",
             "- Overrides per step: " + ("; ".join(
                 f"{r['step']}: `{' '.join(r['overrides'])}`" for r in results
                 if r.get("overrides")) or "none") + ".", "",
             "| step | exit | wall s | epochs | first epoch s | later epoch s | metrics "
             "| CPU wall s | CPU epoch s | speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        ref = cpu.get(r["step"], {})
        speedup = (f"{ref['epoch_s'] / r['epoch_s']:.1f}x"
                   if ref.get("epoch_s") and r.get("epoch_s") else "—")
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in (r.get("metrics") or {}).items()
                            if isinstance(v, int | float))
        lines.append("| " + " | ".join(str(x) for x in [
            r["step"], r["exit"], r["wall_s"], r.get("epochs", "—"),
            r.get("first_epoch_s", "—"), r.get("epoch_s", "—"), metrics or "—",
            ref.get("wall_s", "—"), ref.get("epoch_s", "—"), speedup]) + " |")
    bench = next((r["bench_md"] for r in results if r.get("bench_md")), None)
    if bench:
        lines += ["", "## Layer bench on this device", "",
                  bench.split("\n", 1)[1] if bench.startswith("#") else bench]
    return "\n".join(lines).rstrip() + "\n"


def git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="data home (only the files needed)")
    parser.add_argument("--device", default="gpu", choices=["auto", "cpu", "gpu", "tpu"])
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--out", default="experiments/results/gpu.md")
    parser.add_argument("--json", default=None, help="also save the figures as JSON")
    parser.add_argument("--cpu-reference", default=None)
    parser.add_argument("--set", action="append", default=[], metavar="STEP:key=value",
                        help="a config override for one step (repeatable)")
    parser.add_argument("--step-timeout", action="append", default=[],
                        metavar="STEP=SECONDS", help="end that step after SECONDS")
    parser.add_argument("--deadline", type=float, default=None,
                        help="seconds for the whole run; each step gets what is left")
    parser.add_argument("--work", default=None,
                        help="folder for the steps' logs, reports and store (default: a temp)")
    args = parser.parse_args(argv)
    steps = [s for s in args.steps.split(",") if s]
    overrides: dict[str, list[str]] = {}
    for item in args.set:
        step, _, override = item.partition(":")
        overrides.setdefault(step, []).append(override)
    timeouts = {step: float(sec) for step, _, sec in
                (item.partition("=") for item in args.step_timeout)}
    unknown = sorted((set(steps) | set(overrides) | set(timeouts)) - set(STEPS))
    if unknown:
        parser.error(f"unknown step(s) {unknown}; known: {sorted(STEPS)}")
    work = Path(args.work or tempfile.mkdtemp(prefix="rnnkit-device-check-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RNNKIT_DATA_HOME": str(Path(args.data).resolve()),
           "MLFLOW_TRACKING_URI": os.environ.get("MLFLOW_TRACKING_URI")
           or f"sqlite:///{work}/mlflow.db"}  # the steps' environment; this one is left alone
    import keras

    header = {"device": device_name(), "backend": keras.backend.backend(),
              "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "commit": git_commit(), "command": " ".join(["experiments/device_check.py",
                                                         *(argv or sys.argv[1:])])}
    cpu = {}
    if args.cpu_reference and Path(args.cpu_reference).exists():
        cpu = {r["step"]: r for r in json.loads(Path(args.cpu_reference).read_text())["steps"]}
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    end = None if args.deadline is None else time.monotonic() + args.deadline
    results = []
    for name in steps:
        left = None if end is None else end - time.monotonic()
        if left is not None and left < 1:
            results.append({"step": name, "exit": "skipped (deadline)", "wall_s": 0})
        else:
            limits = [t for t in (timeouts.get(name), left) if t is not None]
            results.append(run_step(name, work, args.device, env, overrides.get(name, []),
                                    min(limits) if limits else None))
        header["load_average"] = [round(x, 1) for x in os.getloadavg()]  # 1, 5, 15 min
        out.write_text(render(results, header, cpu))  # after every step: a cut run keeps it
        if args.json:
            Path(args.json).write_text(json.dumps({**header, "steps": results}, indent=2)
                                       + "\n")
    print(f"wrote {out} (logs in {work})")
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
