"""Training throughput of rnnkit layers against the Keras built-in with the closest math.

    python experiments/bench_layers.py [--repeats 3] [--steps 10] [--out PATH.md]

Each pair (rnnkit layer, Keras layer) is built at the same size (batch 64,
100 time steps, 16 features, 128 units, a Dense(1) head, Adam, MSE), and
timed A/B interleaved in the same process: for every repeat, `--steps`
`train_on_batch` calls of A and of B (ABBA order), after a warm-up that compiles both.
The figure is the median over repeats of steps/s; the ratio is rnnkit/Keras.
Both with the default `jit_compile="auto"` (XLA off on CPU) and with
`jit_compile=True` passed explicitly.

This is a benchmark, not a test: this machine's run-to-run spread reaches 2x.
"""

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import keras
import numpy as np

from rnnkit.layers import DeepTransitionRNN, Elman, LeakyRNN, MultiScaleRNN, SkipDelayRNN

BATCH, STEPS, FEATURES, UNITS = 64, 100, 16, 128

PAIRS = [
    ("Elman", lambda: Elman(UNITS), "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS)),
    ("LeakyRNN", lambda: LeakyRNN(UNITS), "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS)),
    ("SkipDelayRNN(1,8)", lambda: SkipDelayRNN(UNITS, delays=(1, 8)),
     "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS)),
    ("MultiScaleRNN(1,2,4,8)", lambda: MultiScaleRNN(UNITS, periods=(1, 2, 4, 8)),
     "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS)),
    ("DeepTransitionRNN(L=2)", lambda: DeepTransitionRNN(UNITS, transition_depth=2),
     "GRU", lambda: keras.layers.GRU(UNITS)),
]


def build(make_layer, jit):
    model = keras.Sequential(
        [keras.Input((STEPS, FEATURES)), make_layer(), keras.layers.Dense(1)]
    )
    model.compile(optimizer="adam", loss="mse", jit_compile=True if jit else "auto")
    return model


def steps_per_second(model, x, y, steps):
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return steps / (time.perf_counter() - start)


def measure_pair(make_a, make_b, jit, repeats, steps, x, y):
    a, b = build(make_a, jit), build(make_b, jit)
    for model in (a, b):  # compile and warm up
        steps_per_second(model, x, y, 2)
    rates = {id(a): [], id(b): []}
    for repeat in range(repeats):
        # ABBA order, so neither layer always runs first
        for model in (a, b) if repeat % 2 == 0 else (b, a):
            rates[id(model)].append(steps_per_second(model, x, y, steps))
    return statistics.median(rates[id(a)]), statistics.median(rates[id(b)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--out", default="experiments/results/bench.md")
    parser.add_argument("--only", default="", help="measure only layers whose name contains this")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    y = rng.normal(size=(BATCH, 1)).astype("float32")
    rows = []
    for name_a, make_a, name_b, make_b in PAIRS:
        if args.only not in name_a:
            continue
        for jit in (False, True):
            a, b = measure_pair(make_a, make_b, jit, args.repeats, args.steps, x, y)
            rows.append((name_a, name_b, "True" if jit else "auto", a, b, a / b))
            print(f"{name_a:24s} vs {name_b:9s} jit={rows[-1][2]:5s} "
                  f"{a:7.2f} vs {b:7.2f} steps/s  ratio {a / b:.2f}", flush=True)

    device = ", ".join(str(d) for d in keras.distribution.list_devices()) or "cpu"
    lines = [
        "# Layer throughput: rnnkit vs Keras built-ins",
        "",
        f"Command: `python experiments/bench_layers.py --repeats {args.repeats} "
        f"--steps {args.steps}` (`make bench`).",
        f"Backend: {keras.backend.backend()}, Keras {keras.__version__}, "
        f"devices: {device}, {os.cpu_count()} CPU cores, {platform.machine()}.",
        f"Training steps/s (median of {args.repeats} repeats of {args.steps} steps, A/B "
        f"interleaved in ABBA order), batch {BATCH}, {STEPS} time steps, {FEATURES} features, "
        f"{UNITS} units, Dense(1) head, Adam, MSE.",
        "",
        "| rnnkit layer | Keras layer | jit_compile | rnnkit steps/s | Keras steps/s | ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [f"| {a} | {b} | {j} | {ra:.2f} | {rb:.2f} | {r:.2f} |" for a, b, j, ra, rb, r in rows]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
