"""Training throughput of rnnkit layers against the Keras built-in with the closest math.

    python experiments/bench_layers.py [--repeats 11] [--steps 10] [--out PATH.md] [--only NAME]
        [--gated]

Each pair (rnnkit layer, Keras layer) is built at the same size (batch 64,
100 time steps, 16 features, 128 units, a Dense(1) head, Adam, MSE), and
timed A/B interleaved in the same process: for every repeat, `--steps`
`train_on_batch` calls of A and of B (ABBA order), after a warm-up that compiles both.
The figure is the median over repeats of steps/s; the speed ratio is rnnkit/Keras.
On TensorFlow both with the default `jit_compile="auto"` (XLA off on a CPU-only
machine) and with `jit_compile=True`; on JAX the train step is always jitted
(`"auto"` resolves to `True`), so there is one row per pair.

The table is written per backend: `experiments/results/bench_<backend>.md`.

FLOPs per step (per sample, forward pass, matmuls only), with D inputs, U units:

    SimpleRNN, Elman, LeakyRNN       2 (D U + U²)
    SkipDelayRNN, delays d_1…d_k     2 (D U + k U²)       (per delay: [B, U] @ [U, U] a step)
    MultiScaleRNN (dense W)          2 (D U + U²)         (the clockwork zeros are multiplied)
    DeepTransitionRNN, depth L       2 (D U + L U²)
    GRU                              2 · 3 (D U + U²)

The backward pass costs about twice the forward for every layer alike, so the ratio
of these counts is the training FLOP ratio `r` = layer / reference. Elementwise
work (the leak, the clock's select, the gates' sigmoids) is left out: it is O(U) per
sample against O(U²). The target of a layer is the issue's bar: Elman and LeakyRNN at
least 1.0× SimpleRNN; SkipDelay and MultiScale a time per step at most 1.1 r times
SimpleRNN's, i.e. a speed ratio of at least 1 / (1.1 r); DeepTransition faster than
GRU (ratio above 1.0).

Elementwise work is cheap in FLOPs but not in time on TensorFlow without XLA, which
dispatches every op of the loop body once per time step: there the table also gives each
layer's loop ops (forward + backward), which track its speed ratio better than `r`. The
spread column is the quartiles of the per-repeat ratios.

`--gated` adds a second table, the accelerator's question: every rnnkit layer against
Keras `GRU` and `LSTM` at equal units (target: time per step at most 1.5 × GRU's, a
speed ratio of at least 0.67). Those models are built once and timed round robin (each
repeat starts one model later), so GRU's and LSTM's figures are shared by the rows.

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


def rnn_flops(recurrent_blocks, gates=1, d=FEATURES, u=UNITS):
    """Forward matmul FLOPs per sample and step: 2·gates·(D·U) + 2·blocks·U²."""
    return 2 * gates * d * u + 2 * recurrent_blocks * u * u


SIMPLE = rnn_flops(1)
GRU_FLOPS = 3 * rnn_flops(1)


def flop_bar(flop_ratio):
    """The slowest acceptable speed ratio: time per step at most 1.1 × the FLOP ratio."""
    return 1 / (1.1 * flop_ratio)


# (rnnkit name, factory, Keras name, factory, FLOP ratio, target speed ratio, target's basis)
PAIRS = [
    ("Elman", lambda: Elman(UNITS), "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS),
     SIMPLE / SIMPLE, 1.0, "≥ 1.0"),
    ("LeakyRNN", lambda: LeakyRNN(UNITS), "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS),
     SIMPLE / SIMPLE, 1.0, "≥ 1.0"),
    ("SkipDelayRNN(1,8)", lambda: SkipDelayRNN(UNITS, delays=(1, 8)),
     "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS),
     rnn_flops(2) / SIMPLE, flop_bar(rnn_flops(2) / SIMPLE), "1/(1.1 r)"),
    ("MultiScaleRNN(1,2,4,8)", lambda: MultiScaleRNN(UNITS, periods=(1, 2, 4, 8)),
     "SimpleRNN", lambda: keras.layers.SimpleRNN(UNITS),
     rnn_flops(1) / SIMPLE, flop_bar(rnn_flops(1) / SIMPLE), "1/(1.1 r)"),
    ("DeepTransitionRNN(L=2)", lambda: DeepTransitionRNN(UNITS, transition_depth=2),
     "GRU", lambda: keras.layers.GRU(UNITS),
     rnn_flops(2) / GRU_FLOPS, 1.0, "> 1.0 (beats GRU)"),
]
GATED_BAR = 1 / 1.5  # the issue's: within 1.5x of Keras GRU's time per step
# (name, factory, forward matmul FLOPs per sample and step) for the --gated table
GATED = [
    ("GRU", lambda: keras.layers.GRU(UNITS), GRU_FLOPS),
    ("LSTM", lambda: keras.layers.LSTM(UNITS), 4 * rnn_flops(1)),
    # each pair's FLOP ratio times its Keras layer's FLOPs
    *((name, make, ratio * (GRU_FLOPS if keras_name == "GRU" else SIMPLE))
      for name, make, keras_name, _, ratio, _, _ in PAIRS),
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
    return rates[id(a)], rates[id(b)]


def ratio_spread(rates_a, rates_b):
    """Quartiles of the per-repeat speed ratios (A and B timed back to back): how far
    the machine moves the ratio between repeats."""
    ratios = [a / b for a, b in zip(rates_a, rates_b, strict=True)]
    if len(ratios) < 2:  # --repeats 1
        return ratios[0], ratios[0]
    quartiles = statistics.quantiles(ratios, n=4)
    return quartiles[0], quartiles[2]


def measure_round_robin(makers, repeats, steps, x, y):
    """Median steps/s of each model, built once (jitted) and timed in turn; repeat r
    starts with model r (mod n), so no model always runs first."""
    models = [build(make, jit=True) for make in makers]
    for model in models:
        steps_per_second(model, x, y, 2)
    rates = [[] for _ in models]
    for repeat in range(repeats):
        for i in range(len(models)):
            k = (i + repeat) % len(models)
            rates[k].append(steps_per_second(models[k], x, y, steps))
    return [statistics.median(r) for r in rates]


def gated_table(names, rates, flops):
    """Markdown rows: every rnnkit layer against GRU (target) and LSTM."""
    gru, lstm = rates[0], rates[1]
    lines = [
        "", "## Against Keras GRU and LSTM (jit_compile=True, round robin)", "",
        "Speed ratio = rnnkit steps/s / Keras steps/s; FLOP ratio = matmul FLOPs against "
        f"GRU's; target: at least {GATED_BAR:.2f} × GRU (time per step within 1.5 ×).", "",
        "| layer | steps/s | × GRU | × LSTM | FLOP ratio to GRU | meets |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for i, (name, rate) in enumerate(zip(names, rates, strict=True)):
        meets = "" if i < 2 else ("yes" if rate / gru >= GATED_BAR else "no")
        lines.append(f"| {name} | {rate:.2f} | {rate / gru:.2f} | {rate / lstm:.2f} "
                     f"| {flops[i] / flops[0]:.2f} | {meets} |")
    return lines


# Graph nodes that do no work of their own in a TensorFlow loop body
BOOKKEEPING = {"Placeholder", "Identity", "NoOp", "Const", "ReadVariableOp"}


def loop_body_ops(make_layer, x):
    """TensorFlow only: `(forward, backward)` op counts per time step of the layer's
    time loop (the `While` body and its gradient's), for one training step's graph.

    Without XLA, TensorFlow runs each of these ops on its own once per loop iteration,
    and at these sizes an op's dispatch costs about as much as its arithmetic: the
    counts, not the FLOPs, predict the speed ratio there. A layer whose loop runs
    blocks of `S` steps (`SkipDelayRNN`: `cell.block_size()`) is traced on a length
    that `S` divides, and its counts are per block divided by `S`. Returns `None` on
    other backends.
    """
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    layer = make_layer()
    block = getattr(layer.cell, "block_size", lambda: 1)()
    x = x[:, :x.shape[1] - x.shape[1] % block]
    layer.build(x.shape)

    @tf.function
    def gradients(inputs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(inputs))
        return tape.gradient(loss, layer.trainable_weights)

    library = gradients.get_concrete_function(tf.constant(x)).graph.as_graph_def().library
    counts = [0, 0]
    for function in library.function:
        name = function.signature.name
        if "while_body" in name and "rewritten" not in name:
            live = live_nodes(function)
            counts["_grad_" in name] += sum(
                node.op not in BOOKKEEPING for node in function.node_def if node.name in live)
    return tuple(count / block for count in counts)


def live_nodes(function):
    """Names of the nodes of a `FunctionDef` that its outputs depend on (TensorFlow
    prunes the rest when it instantiates the function, e.g. the gradient of a constant)."""
    nodes = {node.name: node for node in function.node_def}
    stack = [value.split(":")[0] for value in (*function.ret.values(),
                                               *function.control_ret.values())]
    live = set()
    while stack:
        name = stack.pop()
        if name in live or name not in nodes:
            continue
        live.add(name)
        stack.extend(i.lstrip("^").split(":")[0] for i in nodes[name].input)
    return live


def jit_modes():
    """`(jit, label)` pairs: XLA off and on for TensorFlow; JAX always jits."""
    if keras.backend.backend() == "jax":
        return [(True, "auto (= True)")]
    return [(False, "auto"), (True, "True")]


def table(rows, args):
    backend = keras.backend.backend()
    device = ", ".join(str(d) for d in keras.distribution.list_devices()) or "cpu"
    prefix = "KERAS_BACKEND=jax " if backend == "jax" else ""
    lines = [
        f"# Layer throughput on {backend}: rnnkit vs Keras built-ins",
        "",
        f"Command: `{prefix}python experiments/bench_layers.py --repeats {args.repeats} "
        f"--steps {args.steps}` (`{prefix}make bench`).",
        f"Backend: {backend}, Keras {keras.__version__}, "
        f"devices: {device}, {os.cpu_count()} CPU cores, {platform.machine()}, "
        f"1-minute load average at the end {os.getloadavg()[0]:.1f}.",
        f"Training steps/s (median of {args.repeats} repeats of {args.steps} steps, A/B "
        f"interleaved in ABBA order), batch {BATCH}, {STEPS} time steps, {FEATURES} features, "
        f"{UNITS} units, Dense(1) head, Adam, MSE. Speed ratio: rnnkit's median over "
        "Keras's; spread: the quartiles of the per-repeat ratios. FLOP ratio r: matmul "
        "FLOPs per step against the Keras layer's (formulas in the script's docstring); "
        "target: the issue's bar on the speed ratio.",
    ]
    with_ops = backend == "tensorflow"
    if with_ops:
        lines.append(
            "Loop ops: the operations TensorFlow runs per time step without XLA, forward + "
            "backward, rnnkit's against Keras's (`loop_body_ops` in the script; XLA fuses "
            "them into a few kernels).")
    header = ("| rnnkit layer | Keras layer | jit_compile | rnnkit steps/s | Keras steps/s "
              "| speed ratio | spread | FLOP ratio r |" + (" loop ops |" if with_ops else "")
              + " target | meets |")
    lines += ["", header, "|---|---|---|---:|---:|---:|---|---:|"
              + ("---|" if with_ops else "") + "---|---|"]
    for name_a, name_b, jit, rates_a, rates_b, flops, bar, basis, ops in rows:
        ra, rb = statistics.median(rates_a), statistics.median(rates_b)
        low, high = ratio_spread(rates_a, rates_b)
        ratio = ra / rb
        meets = ratio > bar if basis.startswith(">") else ratio >= bar
        counts = ""
        if with_ops:
            counts = (f" {ops[0][0]:g} + {ops[0][1]:g} vs {ops[1][0]:g} + {ops[1][1]:g} |"
                      if jit == "auto" else " (XLA) |")
        lines.append(
            f"| {name_a} | {name_b} | {jit} | {ra:.2f} | {rb:.2f} | {ratio:.2f} "
            f"| {low:.2f}–{high:.2f} | {flops:.2f} |{counts} {basis} = {bar:.2f} "
            f"| {'yes' if meets else 'no'} |"
        )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--out", default=None,
                        help="default: experiments/results/bench_<backend>.md")
    parser.add_argument("--only", default="", help="measure only layers whose name contains this")
    parser.add_argument("--gated", action="store_true",
                        help="also time every rnnkit layer against Keras GRU and LSTM")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, STEPS, FEATURES)).astype("float32")
    y = rng.normal(size=(BATCH, 1)).astype("float32")
    rows, op_counts = [], {}  # a Keras layer's counts serve every pair it is in
    for name_a, make_a, name_b, make_b, flops, bar, basis in PAIRS:
        if args.only not in name_a:
            continue
        if name_b not in op_counts:
            op_counts[name_b] = loop_body_ops(make_b, x)
        ops = loop_body_ops(make_a, x), op_counts[name_b]
        for jit, label in jit_modes():
            rates_a, rates_b = measure_pair(make_a, make_b, jit, args.repeats, args.steps, x, y)
            rows.append((name_a, name_b, label, rates_a, rates_b, flops, bar, basis, ops))
            a, b = statistics.median(rates_a), statistics.median(rates_b)
            print(f"{name_a:24s} vs {name_b:9s} jit={label:13s} "
                  f"{a:7.2f} vs {b:7.2f} steps/s  ratio {a / b:.2f}  (target {bar:.2f})",
                  flush=True)

    lines = table(rows, args)
    if args.gated:
        names, makers, flops = zip(*GATED, strict=True)
        rates = measure_round_robin(makers, args.repeats, args.steps, x, y)
        for name, rate in zip(names, rates, strict=True):
            print(f"{name:24s} {rate:7.2f} steps/s  x GRU {rate / rates[0]:.2f}", flush=True)
        lines += gated_table(names, rates, flops)
    out = Path(args.out or f"experiments/results/bench_{keras.backend.backend()}.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
