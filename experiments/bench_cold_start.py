"""Cold start of `rnnkit predict` against `import keras`, each in a fresh process.

    python experiments/bench_cold_start.py [--repeats 5] [--profile smoke]
        [--forecast-csv PATH] [--out PATH.md]

Times, as wall seconds of a new Python process (median of `--repeats`, the commands
taken in turn within each repeat): `python -c "import keras"`, `rnnkit predict
forecast FILE.csv`, `rnnkit predict sentiment TEXT` and `rnnkit translate TEXT`, on the
backend `KERAS_BACKEND` selects, against the models the tracking store
(`MLFLOW_TRACKING_URI`) serves; the target is predict ≤ 1.5 × `import keras`, translate
≤ 2 ×. A predict command that fails (no model
registered) is reported as such; `--profile smoke` predicts with the models
`rnnkit run TASK --profile smoke` registers (`models:/rnnkit-TASK-smoke@champion`).
Without `--forecast-csv` the forecast model's own input example is the file. On JAX
each predict is also timed as a first call, from an empty compilation cache.
Writes `experiments/results/cold_start_<backend>.md`.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5
TRANSLATE_TARGET = 2.0  # the translation issue's bar for `rnnkit translate`


def forecast_csv(folder: Path, profile: str | None) -> Path | None:
    """The forecast model's input example as a CSV, or None without a forecast model."""
    from pipelines.core import tracking

    try:
        served = tracking.serving_model("forecast", profile)
        import mlflow

        local = mlflow.artifacts.download_artifacts(served.uri, dst_path=str(folder))
        example = mlflow.models.Model.load(local).load_input_example(local)
    except Exception as exc:  # noqa: BLE001 - no model: reported in the table
        print(f"no forecast input example: {exc}", file=sys.stderr)
        return None
    path = folder / "recent.csv"
    example.to_csv(path, index=False)
    return path


def wall(argv: list[str], cache_home: str) -> tuple[float, int, str]:
    """Seconds, exit code and last stderr line of ``argv`` with
    ``XDG_CACHE_HOME=cache_home`` (where the serving commands keep JAX's compilation
    cache)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_COMPILATION_CACHE")}
    env["XDG_CACHE_HOME"] = cache_home
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    last = next((line.strip() for line in reversed(done.stderr.splitlines()) if line.strip()),
                "")
    return seconds, done.returncode, last


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", default=None, help="the models of this profile")
    parser.add_argument("--forecast-csv", default=None)
    parser.add_argument("--out", default=None,
                        help="default: experiments/results/cold_start_<backend>.md")
    args = parser.parse_args()
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    cli = [sys.executable, "-m", "pipelines.cli", "predict"]

    def model(task):
        return ["--model", f"models:/rnnkit-{task}-{args.profile}@champion"] if args.profile else []

    with tempfile.TemporaryDirectory() as tmp:
        csv = (Path(args.forecast_csv) if args.forecast_csv
               else forecast_csv(Path(tmp), args.profile))
        predicts = {
            "rnnkit predict forecast FILE.csv":
                [*cli, "forecast", str(csv), *model("forecast")] if csv else None,
            'rnnkit predict sentiment "A wonderful film."':
                [*cli, "sentiment", "A wonderful film.", *model("sentiment")],
            'rnnkit translate "Hello."':
                [sys.executable, "-m", "pipelines.cli", "translate", "Hello.",
                 *model("translate")],
        }
        # (argv, fresh): fresh runs start from an empty JAX compilation cache, the others
        # find what an earlier predict of the same model compiled (a warm-up call first)
        commands = {'python -c "import keras"': ([sys.executable, "-c", "import keras"], False)}
        for name, argv in predicts.items():
            commands[name] = (argv, False)
            if backend == "jax":
                commands[f"{name}, first call (empty compilation cache)"] = (argv, True)
        warm = tempfile.mkdtemp(dir=tmp)
        for argv in predicts.values():
            if argv is not None:
                wall(argv, warm)
        seconds = {name: [] for name in commands}
        failures: dict[str, str] = {}  # the first failure of a command: exit code, why
        for _ in range(args.repeats):
            for name, (argv, fresh) in commands.items():
                if argv is None:
                    continue
                s, code, last = wall(argv, tempfile.mkdtemp(dir=tmp) if fresh else warm)
                seconds[name].append(s)
                if code and name not in failures:
                    failures[name] = f"exit {code}: {last[:200]}" if last else f"exit {code}"
    base = statistics.median(seconds['python -c "import keras"'])
    lines = [
        f"# Cold start on {backend}: `rnnkit predict` against `import keras`",
        "",
        f"Command: `{'KERAS_BACKEND=jax ' if backend == 'jax' else ''}python "
        f"experiments/bench_cold_start.py --repeats {args.repeats}"
        f"{' --profile ' + args.profile if args.profile else ''}` (`make bench`).",
        f"Wall seconds of a fresh process, median of {args.repeats}; {os.cpu_count()} CPU "
        f"cores, {platform.machine()}, 1-minute load average at the end "
        f"{os.getloadavg()[0]:.1f}. Target: ≤ {TARGET} × `import keras` (`rnnkit translate`: "
        f"≤ {TRANSLATE_TARGET} ×). On JAX the "
        "serving commands keep compiled programs on disk (`pipelines/core/compile_cache.py`): "
        "rows without \"first call\" find the programs an earlier predict of the same "
        "model compiled.",
        "",
        "| command | seconds (median) | × import keras | meets |",
        "|---|---:|---:|---|",
    ]
    for name, values in seconds.items():
        if not values:
            lines.append(f"| `{name}` | not run: no forecast model to take an input "
                         "example from | | |")
        elif name in failures:
            lines.append(f"| `{name}` | failed ({failures[name].replace('|', '/')}) | | |")
        else:
            median = statistics.median(values)
            ratio = median / base
            target = TRANSLATE_TARGET if "translate" in name else TARGET
            meets = "" if name.startswith("python") else ("yes" if ratio <= target else "no")
            lines.append(f"| `{name}` | {median:.2f} | {ratio:.2f} | {meets} |")
        print(lines[-1], flush=True)
    out = Path(args.out or ROOT / f"experiments/results/cold_start_{backend}.md")
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
