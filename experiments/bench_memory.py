"""Peak memory of training against the size of its data, memory-mapped or held.

    python experiments/bench_memory.py [--scales 1 10] [--rows 100000] [--pairs 20000]
        [--out PATH.md]

For each task (forecast on an hourly CSV of ``--rows`` rows, 7 columns; translate on a
pair file of ``--pairs`` sentence pairs, word tokenizer) and each scale, the data is
generated once; then, each in a fresh process, the task's own ``ingest`` and
``featurize`` run and one epoch of the training batches is read, batch by batch, as
``model.fit`` reads it (``features.batches("train", shuffle=True)``). The model itself
is left out: its memory does not depend on the data. Twice: with featurize's arrays
memory-mapped (``pipelines.core.mapped``, the default) and with
``RNNKIT_SCRATCH=memory`` (held in the process's memory).

Memory is read from the process's ``/proc/PID/status`` every millisecond by this one
(a thread inside it would change how its heap is kept): anonymous
pages (``RssAnon``: the process's own, what runs a machine out of memory) apart from
file-backed ones (``RssFile``: mapped data the epoch has touched, which the kernel
drops under pressure and reads again). Columns, in MiB: ``held`` is the anonymous
memory once featurize has returned (what stays through training), ``epoch peak`` the
highest anonymous memory while the epoch is read, ``file`` the file-backed pages then,
``ingest+featurize peak`` the highest anonymous memory before training; all of them
above what the process holds once its imports are done (``imports``). Linux only.
Writes ``experiments/results/memory.md``.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MIB = 2**20


def status_kib(pid="self") -> dict[str, int]:
    """``RssAnon`` and ``RssFile`` of process ``pid``, in bytes (0 once it is gone)."""
    out = {"RssAnon": 0, "RssFile": 0}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in out:
                    out[name] = int(value.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


# --------------------------------------------------------------------------- data

def forecast_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    columns = {"time": np.datetime64("2000-01-01T00") + t.astype("timedelta64[h]"),
               "y": np.sin(2 * np.pi * t / 24) + 0.1 * rng.standard_normal(rows)}
    for k in range(6):
        columns[f"x{k}"] = np.cos(2 * np.pi * t / (24 * (k + 2))) + rng.standard_normal(rows)
    import pandas as pd

    pd.DataFrame(columns).to_csv(path, index=False, float_format="%.5f")


WORDS = [f"w{i}" for i in range(3000)]


def pair_file(path: Path, pairs: int) -> None:
    rng = np.random.default_rng(0)
    with open(path, "w") as f:
        for n in rng.integers(3, 12, size=pairs):
            source = rng.choice(WORDS, n)
            f.write(" ".join(source).capitalize() + ".\t"
                    + " ".join(reversed(source)).capitalize() + ".\n")


TASKS = {
    "forecast": (forecast_csv, lambda p: [f"data.source=csv:{p}", "data.target=y",
                                          "data.time_column=time"]),
    "translate": (pair_file, lambda p: [f"data.source=file:{p}", "featurize.tokenizer=word",
                                        "featurize.min_count=1"]),
}


# --------------------------------------------------------------------------- child

def child(task_name: str, data: str, phase_file: str) -> dict:
    """Ingest, featurize and one epoch's batches of ``task_name`` on ``data``, writing
    the phase it is in (``featurize``, ``epoch``) to ``phase_file`` for ``measure``."""
    from pipelines.core import mapped, tasks

    def phase(name: str) -> None:
        Path(phase_file).write_text(name)

    task = tasks.get_task(task_name)
    cfg = task.load_config("default", TASKS[task_name][1](data))
    ingest, featurize = task.stage("ingest"), task.stage("featurize")
    import keras  # noqa: F401 - the imports training needs, before the baseline
    mapped.release_free_heap()
    imports = status_kib()
    phase("featurize")
    features = featurize(cfg, ingest(cfg))
    mapped.release_free_heap()  # as the runner does after featurize
    held = status_kib()["RssAnon"]
    if task_name == "forecast":
        batches = features.batches("train", cfg.train.batch_size, shuffle=True)
    else:
        batches = features.batches(cfg, "train", shuffle=True)
    phase("epoch")
    start = time.perf_counter()
    examples = 0
    for i in range(len(batches)):
        x = batches[i][0]
        examples += len(x["source"] if isinstance(x, dict) else x)
    batches.on_epoch_end()
    seconds = time.perf_counter() - start
    phase("done")
    return {"examples": examples, "imports": imports["RssAnon"],
            "imports_file": imports["RssFile"], "held": held, "epoch_s": seconds}


def measure(task_name: str, data: Path, mode: str) -> dict:
    """Run ``child`` in a fresh process and sample its memory from this one every
    millisecond (a sampling thread inside it would change how its heap is kept)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    if mode == "memory":
        env["RNNKIT_SCRATCH"] = "memory"
    with tempfile.TemporaryDirectory() as folder:
        phase_file = Path(folder) / "phase"
        phase_file.write_text("imports")
        process = subprocess.Popen(
            [sys.executable, __file__, "--child", task_name, str(data), str(phase_file)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peaks: dict[str, dict[str, int]] = {}
        while process.poll() is None:
            now, name = status_kib(process.pid), phase_file.read_text()
            peak = peaks.setdefault(name, {"RssAnon": 0, "RssFile": 0})
            for key, value in now.items():
                peak[key] = max(peak[key], value)
            time.sleep(0.001)
        out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"{task_name} {mode} failed:\n{err[-3000:]}")
    m = json.loads(out.strip().splitlines()[-1])
    base = m["imports"]
    return {**m, "before_peak": peaks["featurize"]["RssAnon"] - base,
            "held": m["held"] - base, "epoch_peak": peaks["epoch"]["RssAnon"] - base,
            "epoch_file": peaks["epoch"]["RssFile"] - m["imports_file"]}


def table(results: list[dict]) -> str:
    lines = ["| task | scale | data | training examples | arrays | imports "
             "| ingest+featurize peak | held | epoch peak | file-backed in epoch "
             "| epoch read (s) |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        m = r["m"]
        lines.append(
            f"| {r['task']} | {r['scale']}× | {r['size'] / MIB:.1f} MiB | {m['examples']:,} "
            f"| {r['mode']} | {m['imports'] / MIB:.0f} | {m['before_peak'] / MIB:.0f} "
            f"| {m['held'] / MIB:.0f} "
            f"| **{m['epoch_peak'] / MIB:.0f}** | {m['epoch_file'] / MIB:.0f} "
            f"| {m['epoch_s']:.1f} |")
    return "\n".join(lines)


def growth(results: list[dict]) -> str:
    """How much the epoch's anonymous peak grows from the smallest to the largest scale."""
    lines = []
    for task in TASKS:
        for mode in ("mapped", "memory"):
            rows = sorted((r for r in results if r["task"] == task and r["mode"] == mode),
                          key=lambda r: r["scale"])
            if len(rows) < 2:
                continue
            lo, hi = rows[0], rows[-1]
            extra = (hi["m"]["epoch_peak"] - lo["m"]["epoch_peak"]) / MIB
            data = (hi["size"] - lo["size"]) / MIB
            lines.append(f"- {task}, {mode}: {lo['scale']}× → {hi['scale']}× the data "
                         f"(+{data:.0f} MiB of file) adds **{extra:+.0f} MiB** to the "
                         f"epoch's anonymous peak.")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=20_000)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--out", type=Path, default=ROOT / "experiments/results/memory.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for task in args.tasks:
            make, _ = TASKS[task]
            base = args.rows if task == "forecast" else args.pairs
            for scale in args.scales:
                data = Path(folder) / f"{task}-{scale}.{'csv' if task == 'forecast' else 'txt'}"
                make(data, base * scale)
                for mode in ("mapped", "memory"):
                    m = measure(task, data, mode)
                    results.append({"task": task, "scale": scale, "mode": mode, "m": m,
                                    "size": data.stat().st_size})
                    print(f"{task} {scale}x {mode}: epoch peak {m['epoch_peak'] / MIB:.0f} "
                          f"MiB anon, held {m['held'] / MIB:.0f}", flush=True)
    page = "\n\n".join([
        "# Peak memory of training against data size",
        f"`python experiments/bench_memory.py --scales {' '.join(map(str, args.scales))} "
        f"--rows {args.rows} --pairs {args.pairs}` on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}). Anonymous memory (`RssAnon`) in MiB; `mapped` is "
        "the default (featurize's arrays memory-mapped), `memory` is "
        "`RNNKIT_SCRATCH=memory`. Every column after `imports` is above what the process "
        "held once its imports were done. What each column means: the script's "
        "docstring.",
        table(results), growth(results)])
    args.out.write_text(page + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
