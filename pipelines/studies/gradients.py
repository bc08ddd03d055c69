"""Study `gradients`: vanishing and exploding gradients through time, per cell.

For every cell of the config, a model `Dense(1) ∘ RNN` is built at initialization and
`rnnkit.diagnostics.gradient_norms` measures

    g_t = ‖∂L/∂h_t‖,   L = mean over the batch of (ŷ - y)²,  ŷ read from h_T only,

on random inputs `x ~ N(0, 1)`, for t = 1 … T. The curve `log10(g_t / g_T)` against the
distance `k = T - t` is the vanishing (falling) or exploding (rising) gradient; its
least-squares slope, in decades per 100 steps, is the cell's decay rate.

Gradient clipping: the exploding cell is trained by SGD on the adding problem with and
without `global_clipnorm`, recording the loss and the size of each parameter update
`‖θ_{i+1} - θ_i‖` (clipping bounds it by `learning_rate · global_clipnorm`).
"""

from __future__ import annotations

import math
from typing import Annotated

import keras
import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from pipelines.core.config import ConfigModel, LearningRate, PositiveInt, broken_rule
from pipelines.studies.cells import LayerEntry, PositiveFloat, check_labels, recurrent
from pipelines.studies.framework import StudyOutput
from pipelines.studies.synthetic import adding_problem
from rnnkit.diagnostics import gradient_norms

DESCRIPTION = """
Vanishing and exploding gradients through time (Bengio et al. 1994; Pascanu et al. 2013):
‖∂L/∂h_t‖ against t for every cell at initialization, on sequences of 100 to 400 steps,
and the effect of gradient clipping on an exploding Elman network.
"""
TINY = 1e-37  # below this a float32 gradient has underflowed: not a measurement


def _cells() -> list[LayerEntry]:
    # gain: orthogonal recurrent init, every singular value of W = gain
    return [
        LayerEntry(label="Elman, W gain 0.5", cell="elman", gain=0.5),
        LayerEntry(label="Elman, W gain 1", cell="elman", gain=1.0),
        LayerEntry(label="Elman, W gain 2", cell="elman", gain=2.0),
        LayerEntry(label="Keras SimpleRNN, W gain 1", cell="simple", gain=1.0),
        LayerEntry(label="leaky α=0.5", cell="leaky", kwargs={"alpha": 0.5}),
        LayerEntry(label="leaky α=0.9", cell="leaky", kwargs={"alpha": 0.9}),
        LayerEntry(label="leaky α=0.99", cell="leaky", kwargs={"alpha": 0.99}),
        LayerEntry(label="leaky τ∈[1,100]", cell="leaky", kwargs={"tau_range": [1, 100]}),
        LayerEntry(label="skip-delay d=(1,10)", cell="skip_delay", kwargs={"delays": [1, 10]}),
        LayerEntry(label="multiscale p=(1,2,4,8)", cell="multiscale",
                   kwargs={"periods": [1, 2, 4, 8]}),
        LayerEntry(label="DT L=2", cell="dt"),
        LayerEntry(label="DT(S) L=2", cell="dts"),
        LayerEntry(label="LSTM", cell="lstm"),
        LayerEntry(label="GRU", cell="gru"),
    ]


class Clipping(ConfigModel):
    """The clipping experiment: SGD on the adding problem, with and without clipping.

    Args:
        cell: The label of the cell trained, one of ``cells`` (the exploding one).
        steps: Sequence length T of the adding problem.
        batch: Sequences per SGD step.
        learning_rate: SGD's rate.
        train_steps: SGD steps per run.
        global_clipnorm: The clipped run's bound on the global gradient norm.
        seeds: Runs per setting (seeds 0 … seeds - 1).
    """

    cell: str = "Elman, W gain 2"
    steps: PositiveInt = 100
    batch: PositiveInt = 32
    learning_rate: LearningRate = 0.1
    train_steps: PositiveInt = 300
    global_clipnorm: PositiveFloat = 1.0
    seeds: PositiveInt = 3


class Params(ConfigModel):
    """The study's params (``experiments/studies/gradients.yaml`` holds the profiles).

    Args:
        steps: Sequence lengths T.
        batch: Random sequences per gradient measurement.
        features: Input features, x ~ N(0, 1).
        units: Recurrent units of every cell.
        seeds: Measurements per cell and T (seeds 0 … seeds - 1).
        cells: The layers measured (labels differ).
        clipping: The clipping experiment.
    """

    steps: Annotated[list[PositiveInt], Field(min_length=1)] = Field(
        default_factory=lambda: [100, 200, 400])
    batch: PositiveInt = 16
    features: PositiveInt = 8
    units: PositiveInt = 32
    seeds: PositiveInt = 3
    cells: Annotated[list[LayerEntry], Field(min_length=1)] = Field(default_factory=_cells)
    clipping: Clipping = Field(default_factory=Clipping)

    @model_validator(mode="after")
    def _clipped_cell_is_listed(self) -> Params:
        check_labels(self.cells, "cells")
        labels = [e.label for e in self.cells]
        if self.clipping.cell not in labels:
            raise broken_rule(f"clipping.cell must be the label of one of cells "
                              f"({', '.join(labels)}); received {self.clipping.cell!r}",
                              "clipping.cell", "cells")
        return self


def relative_log_norms(entry, steps, batch, features, units, seed):
    """log10(g_t / g_T) for t = 1 … T (NaN where g_t underflowed or overflowed)."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    y = rng.normal(size=(batch, 1)).astype("float32")
    model = keras.Sequential([keras.Input((steps, features)), recurrent(entry, units),
                              keras.layers.Dense(1)])
    norms = gradient_norms(model, x, y, loss="mse").astype("float64")
    valid = np.isfinite(norms) & (norms > TINY)
    out = np.full(steps, np.nan)
    out[valid] = np.log10(norms[valid]) - math.log10(norms[-1])
    return out


def decay_slope(log_ratio):
    """Least-squares slope of log10(g_t/g_T) against k = T - t, in decades per 100 steps."""
    distance = np.arange(len(log_ratio))[::-1]
    valid = np.isfinite(log_ratio)
    if valid.sum() < 3:
        return np.nan
    slope = np.polyfit(distance[valid], log_ratio[valid], 1)[0]
    return 100.0 * slope


def measure(params, say):
    """Per cell, per T, per seed: the log-ratio curve. Returns a long DataFrame."""
    rows = []
    for entry in params.cells:
        for steps in params.steps:
            for seed in range(params.seeds):
                curve = relative_log_norms(entry, steps, params.batch, params.features,
                                           params.units, seed)
                rows += [{"cell": entry.label, "T": steps, "seed": seed, "t": t + 1,
                          "distance": steps - 1 - t, "log10_ratio": value}
                         for t, value in enumerate(curve)]
            firsts = [r["log10_ratio"] for r in rows[-steps * params.seeds:] if r["t"] == 1]
            say(f"  {entry.label:<28s} T={steps}: log10 g_1/g_T per seed "
                + " ".join(f"{v:.2f}" for v in firsts))
    return pd.DataFrame(rows)


def clipping_run(params, clipnorm, seed):
    """SGD on the adding problem: per step, the loss and the update norm ‖Δθ‖."""
    c = params.clipping
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(1000 + seed)
    entry = next(e for e in params.cells if e.label == c.cell)
    model = keras.Sequential([keras.Input((c.steps, 2)), recurrent(entry, params.units),
                              keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(c.learning_rate, global_clipnorm=clipnorm)
    model.compile(optimizer=optimizer, loss="mse")
    losses, updates = [], []
    before = np.concatenate([w.ravel() for w in model.get_weights()])
    for _ in range(c.train_steps):
        x, y = adding_problem(c.batch, c.steps, rng)
        losses.append(float(model.train_on_batch(x, y)))
        after = np.concatenate([w.ravel() for w in model.get_weights()])
        updates.append(float(np.linalg.norm(after - before)))
        before = after
    return np.array(losses), np.array(updates)


def clipping(params, say):
    c = params.clipping
    rows = []
    for clip in (None, c.global_clipnorm):
        for seed in range(c.seeds):
            losses, updates = clipping_run(params, clip, seed)
            rows += [{"clipnorm": "none" if clip is None else clip, "seed": seed, "step": i + 1,
                      "loss": loss, "update_norm": u}
                     for i, (loss, u) in enumerate(zip(losses, updates, strict=True))]
            say(f"  clipping {clip}: seed {seed}, final loss {losses[-1]:.4g}, "
                f"max update {np.nanmax(updates):.3g}")
    return pd.DataFrame(rows)


def decay_table(curves, params):
    """One row per cell: decay slope per T, and log10 g_1/g_T at each T (mean ± std)."""
    rows = []
    for entry in params.cells:
        row = {"cell": entry.label}
        for steps in params.steps:
            part = curves[(curves.cell == entry.label) & (curves["T"] == steps)]
            slopes = [decay_slope(g.sort_values("t").log10_ratio.to_numpy())
                      for _, g in part.groupby("seed")]
            first = part[part.t == 1].log10_ratio.to_numpy()
            row[f"slope T={steps}"] = _mean_std(slopes)
            row[f"log10 g_1/g_T, T={steps}"] = _mean_std(first, underflow=True)
        rows.append(row)
    return pd.DataFrame(rows)


def _mean_std(values, underflow=False, sign=True):
    values = np.asarray(values, dtype="float64")
    finite = values[np.isfinite(values)]
    if not len(finite):
        if underflow:
            return "underflow (g_1 < 1e-37)"
        return "inf" if np.isinf(values).any() else "NaN"
    fmt = "+.2f" if sign else ".3g"
    text = (f"{finite.mean():{fmt}} ± {finite.std():.2g}" if len(finite) > 1
            else f"{finite[0]:{fmt}}")
    if len(finite) < len(values):
        text += f" ({len(values) - len(finite)} of {len(values)} seeds not finite)"
    return text


def clipping_table(runs, params):
    c = params.clipping
    tail = max(1, c.train_steps // 10)
    rows = []
    for clip, part in runs.groupby("clipnorm", sort=False):
        finals, peaks, nans = [], [], 0
        for _, g in part.groupby("seed"):
            loss = g.sort_values("step").loss.to_numpy()
            finals.append(np.mean(loss[-tail:]))
            peaks.append(g.update_norm.replace(np.nan, np.inf).max())
            nans += int(not np.all(np.isfinite(loss)))
        rows.append({"global_clipnorm": str(clip),
                     f"loss, mean of last {tail} steps": _mean_std(finals, sign=False),
                     "largest update ‖Δθ‖": _mean_std(peaks, sign=False),
                     "median update ‖Δθ‖": f"{part.update_norm.median():.3g}",
                     "seeds with NaN/inf loss": f"{nans} of {part.seed.nunique()}"})
    return pd.DataFrame(rows)


def plot_curves(curves, params):
    import matplotlib.pyplot as plt

    steps = max(params.steps)
    part = curves[curves["T"] == steps]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, 20))
    for i, entry in enumerate(params.cells):
        g = part[part.cell == entry.label]
        mean = g.groupby("distance").log10_ratio.mean()  # log of the geometric mean
        style = "--" if i % 2 else "-"
        ax.plot(mean.index, mean.to_numpy(), style, color=colors[i % 20], label=entry.label)
    ax.set_xlabel("distance back in time k = T - t (steps)")
    ax.set_ylabel("log10 ‖∂L/∂h_t‖ / ‖∂L/∂h_T‖")
    ax.set_title(f"Gradient norm through time at initialization, T = {steps} "
                 f"(mean of log over {params.seeds} seeds)")
    ax.axhline(0, color="gray", lw=0.5)
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    ax.grid(alpha=0.3)
    return fig


def plot_clipping(runs, params):
    import matplotlib.pyplot as plt

    c = params.clipping
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for (clip, seed), g in runs.groupby(["clipnorm", "seed"], sort=False):
        color = "tab:red" if clip == "none" else "tab:blue"
        label = f"global_clipnorm={clip}" if seed == 0 else None
        left.plot(g.step, g.loss, color=color, alpha=0.7, label=label)
        right.plot(g.step, g.update_norm, color=color, alpha=0.7, label=label)
    left.set_yscale("log")
    right.set_yscale("log")
    left.set_xlabel("SGD step")
    right.set_xlabel("SGD step")
    left.set_ylabel("training MSE")
    right.set_ylabel("‖Δθ‖ per step")
    left.set_title(f"{c.cell}: adding problem, T = {c.steps}")
    right.set_title(f"parameter update size (lr {c.learning_rate})")
    left.legend()
    return fig


def run(params, say):
    curves = measure(params, say)
    runs = clipping(params, say)
    table = decay_table(curves, params)
    clip = clipping_table(runs, params)
    metrics = {}
    for entry in params.cells:
        part = curves[(curves.cell == entry.label) & (curves["T"] == max(params.steps))]
        slopes = [decay_slope(g.sort_values("t").log10_ratio.to_numpy())
                  for _, g in part.groupby("seed")]
        if np.isfinite(slopes).any():
            metrics[f"slope_per_100/{entry.label}"] = float(np.nanmean(slopes))
    c = params.clipping
    notes = [
        f"Gradient norms: batch {params.batch}, {params.features} input features "
        f"x ~ N(0, 1), {params.units} units, Dense(1) head on h_T, MSE against y ~ N(0, 1), "
        f"weights at initialization, seeds 0…{params.seeds - 1}.",
        "Slope: least-squares fit of log10 g_t/g_T against k = T - t, in decades per 100 "
        "steps (negative: vanishing; positive: exploding), over the steps where g_t is a "
        "finite float32 above 1e-37.",
        f"Clipping: '{c.cell}' trained by SGD (lr {c.learning_rate}, batch {c.batch}, "
        f"{c.train_steps} steps, {c.seeds} seeds) on the adding problem with T = "
        f"{c.steps}, without clipping and with the global gradient norm clipped to "
        f"{c.global_clipnorm} (so ‖Δθ‖ ≤ lr · {c.global_clipnorm}); predicting 1.0 "
        "always gives MSE 0.167.",
    ]
    return StudyOutput(
        tables={"Decay rate per cell (slope in log10 per 100 steps; mean ± std over seeds)":
                table, "Gradient clipping on the exploding cell": clip},
        figures={"gradient_norms": plot_curves(curves, params),
                 "clipping": plot_clipping(runs, params)},
        data={"gradient_norms": curves, "clipping": runs},
        metrics=metrics,
        notes=notes,
    )
