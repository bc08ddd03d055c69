"""Study `long_memory`: long-term dependency benchmarks for every registry cell.

Two tasks from `pipelines.studies.synthetic`, at several lengths T:

- the adding problem (regression, test MSE; predicting the mean gives 0.167);
- remember the first symbol (classification over K symbols, test accuracy; chance 1/K).

Every cell gets the same parameter budget: its units are chosen so that the whole model
(`RNN` + `Dense` head) has the count closest to `param_budget`. Each (task, T, cell,
seed) is trained from scratch with Adam (global gradient norm clipped) on fresh random
batches for a fixed number of steps, then scored on a fixed test set of `test_size`
sequences. Reported: mean ± std over seeds.

The training budget is per task (`training: {task: {train_steps, batch, learning_rate}}`):
the same for every cell and every T of a task, so the comparison stays at equal steps.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

import keras
import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from pipelines.core.config import ConfigModel, LearningRate, PositiveInt, broken_rule
from pipelines.studies.cells import (
    LayerEntry,
    PositiveFloat,
    check_labels,
    recurrent,
    units_for_budget,
)
from pipelines.studies.framework import StudyOutput
from pipelines.studies.synthetic import ADDING_MEAN_BASELINE_MSE, adding_problem, first_symbol

DESCRIPTION = """
Long-term dependencies (Hochreiter & Schmidhuber 1997; Bengio et al. 1994): the adding
problem and remember-the-first-symbol at T = 50, 100, 200, 400, for every registry cell
at a matched parameter count, 3 seeds each.
"""
TASKS = ("adding", "first_symbol")


class Budget(ConfigModel):
    """A task's training budget, the same for every cell and T.

    Args:
        train_steps: Adam steps, each on a fresh random batch.
        batch: Sequences per step.
        learning_rate: Adam's rate.
    """

    train_steps: PositiveInt
    batch: PositiveInt
    learning_rate: LearningRate


class AddingBudget(Budget):
    train_steps: PositiveInt = 500
    batch: PositiveInt = 64
    learning_rate: LearningRate = 0.01


class FirstSymbolBudget(Budget):
    train_steps: PositiveInt = 150
    batch: PositiveInt = 32
    learning_rate: LearningRate = 0.005


class Training(ConfigModel):
    """The training budget per task (a field per name of ``TASKS``)."""

    adding: AddingBudget = Field(default_factory=AddingBudget)
    first_symbol: FirstSymbolBudget = Field(default_factory=FirstSymbolBudget)


def _cells() -> list[LayerEntry]:
    return [
        LayerEntry(label="Keras SimpleRNN", cell="simple"),
        LayerEntry(label="Elman", cell="elman"),
        LayerEntry(label="leaky τ∈[1,100]", cell="leaky"),
        LayerEntry(label="skip-delay (1,8)", cell="skip_delay", kwargs={"delays": [1, 8]}),
        LayerEntry(label="multiscale (1,2,4,8)", cell="multiscale",
                   kwargs={"periods": [1, 2, 4, 8]}),
        LayerEntry(label="DT L=2", cell="dt"),
        LayerEntry(label="DT(S) L=2", cell="dts"),
        LayerEntry(label="Keras LSTM", cell="lstm"),
        LayerEntry(label="Keras GRU", cell="gru"),
        LayerEntry(label="stacked GRU ×2", cell="stacked"),
    ]


class Params(ConfigModel):
    """The study's params (``experiments/studies/long_memory.yaml`` holds the profiles).

    Args:
        tasks: Which of ``TASKS`` to run (each once).
        steps: Sequence lengths T.
        symbols: Alphabet size K of remember-the-first-symbol.
        param_budget: Every model's target parameter count (RNN + Dense head).
        seeds: Runs per (task, T, cell) (seeds 0 … seeds - 1).
        training: The training budget per task.
        clipnorm: Adam's bound on the global gradient norm.
        test_size: Test sequences per T.
        jit_compile: Compile the train step with XLA.
        cells: The layers compared (labels differ).
    """

    tasks: Annotated[list[Literal[TASKS]], Field(min_length=1)] = Field(  # type: ignore
        default_factory=lambda: list(TASKS))
    steps: Annotated[list[PositiveInt], Field(min_length=1)] = Field(
        default_factory=lambda: [50, 100, 200, 400])
    symbols: Annotated[int, Field(ge=2)] = 8
    param_budget: PositiveInt = 1500
    seeds: PositiveInt = 3
    training: Training = Field(default_factory=Training)
    clipnorm: PositiveFloat = 1.0
    test_size: PositiveInt = 512
    jit_compile: bool = True
    cells: Annotated[list[LayerEntry], Field(min_length=1)] = Field(default_factory=_cells)

    @model_validator(mode="after")
    def _distinct(self) -> Params:
        if len(set(self.tasks)) < len(self.tasks):
            raise broken_rule(f"each task may be listed once; received {self.tasks}", "tasks")
        check_labels(self.cells, "cells")
        return self


def make_data(task, n, steps, params, rng):
    if task == "adding":
        return adding_problem(n, steps, rng)
    return first_symbol(n, steps, params.symbols, rng)


def input_dim(task, params):
    return 2 if task == "adding" else params.symbols


def build_model(task, entry, units, params, steps=None):
    head = (keras.layers.Dense(1) if task == "adding"
            else keras.layers.Dense(params.symbols, activation="softmax"))
    return keras.Sequential([keras.Input((steps, input_dim(task, params))),
                             recurrent(entry, units), head])


def count_params(task, entry, units, params):
    """Parameters of `build_model(task, entry, units)`, without building the model."""
    layer = recurrent(entry, units)
    layer.build((None, None, input_dim(task, params)))
    width = 1 if task == "adding" else params.symbols
    return layer.count_params() + (units + 1) * width


def sizes(params):
    """(task, cell label) -> (units, parameter count), at the budget."""
    out = {}
    for task in params.tasks:
        for entry in params.cells:
            out[task, entry.label] = units_for_budget(
                entry, params.param_budget,
                lambda u, t=task, e=entry: count_params(t, e, u, params))
    return out


def training(task, params) -> Budget:
    """The task's budget (``train_steps``, ``batch``, ``learning_rate``)."""
    return getattr(params.training, task)


def compiled_model(task, entry, units, steps, params):
    """A model compiled once per (task, cell, T); `reset` re-initializes it per seed."""
    model = build_model(task, entry, units, params, steps)
    loss = "mse" if task == "adding" else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(training(task, params).learning_rate,
                                                  global_clipnorm=params.clipnorm),
                  loss=loss, jit_compile=params.jit_compile)
    return model


def reset(model, task, entry, units, steps, seed, params):
    """Fresh weights drawn with `seed` (as a new model would get) and a fresh Adam state,
    so the compiled train step is reused instead of traced again for every seed."""
    keras.utils.set_random_seed(seed)
    model.set_weights(build_model(task, entry, units, params, steps).get_weights())
    for variable in model.optimizer.variables:  # iteration count and moments
        if variable.name != "learning_rate":
            variable.assign(keras.ops.zeros(variable.shape, variable.dtype))


def train_and_score(model, task, steps, seed, params):
    rng = np.random.default_rng(seed)
    test_x, test_y = make_data(task, params.test_size, steps, params,
                               np.random.default_rng(10_000 + steps))
    budget = training(task, params)
    start = time.perf_counter()
    for _ in range(budget.train_steps):
        x, y = make_data(task, budget.batch, steps, params, rng)
        model.train_on_batch(x, y)
    seconds = time.perf_counter() - start
    predictions = keras.ops.convert_to_numpy(model(test_x, training=False))
    if task == "adding":
        score = float(np.mean((predictions - test_y) ** 2))
    else:
        score = float(np.mean(predictions.argmax(axis=-1) == test_y))
    return score, seconds


def grid(params, say):
    table = sizes(params)
    rows = []
    for task in params.tasks:
        for steps in params.steps:
            for entry in params.cells:
                units, count = table[task, entry.label]
                scores = []
                model = compiled_model(task, entry, units, steps, params)
                for seed in range(params.seeds):
                    reset(model, task, entry, units, steps, seed, params)
                    score, seconds = train_and_score(model, task, steps, seed, params)
                    scores.append(score)
                    rows.append({"task": task, "T": steps, "cell": entry.label,
                                 "units": units, "params": count, "seed": seed,
                                 "score": score, "train_s": seconds})
                say(f"  {task:<12s} T={steps:<4d} {entry.label:<22s} {units:3d} units "
                    f"{count:5d} params: " + " ".join(f"{s:.3f}" for s in scores))
    return pd.DataFrame(rows)


def summary(frame, task, params):
    part = frame[frame.task == task]
    rows = []
    for entry in params.cells:
        g = part[part.cell == entry.label]
        row = {"cell": entry.label, "units": int(g.units.iloc[0]),
               "params": int(g.params.iloc[0])}
        for steps in params.steps:
            scores = g[g["T"] == steps].score
            row[f"T={steps}"] = f"{scores.mean():.3f} ± {scores.std(ddof=0):.3f}"
        rows.append(row)
    return pd.DataFrame(rows)


def budget_words(task, params):
    b = training(task, params)
    return f"\n{b.train_steps} Adam steps of batch {b.batch}, lr {b.learning_rate}"


def plot(frame, params):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(params.tasks), figsize=(6 * len(params.tasks), 4.5),
                             squeeze=False, layout="constrained")
    for ax, task in zip(axes[0], params.tasks, strict=True):
        part = frame[frame.task == task]
        for i, entry in enumerate(params.cells):
            g = part[part.cell == entry.label].groupby("T").score
            ax.errorbar(g.mean().index * (1 + 0.02 * (i - 4)), g.mean(), yerr=g.std(ddof=0),
                        marker="o", capsize=2, label=entry.label)
        if task == "adding":
            ax.axhline(ADDING_MEAN_BASELINE_MSE, color="gray", ls=":", label="predict 1 (0.167)")
            ax.set_ylabel("test MSE (lower is better)")
            ax.set_title(f"adding problem{budget_words('adding', params)}")
        else:
            ax.axhline(1 / params.symbols, color="gray", ls=":", label="chance")
            ax.set_ylabel("test accuracy")
            ax.set_title(f"remember the first of T symbols (K = {params.symbols})"
                         f"{budget_words('first_symbol', params)}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("sequence length T")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"{params.param_budget}-parameter models, mean ± std over "
                 f"{params.seeds} seeds")
    return fig


def run(params, say):
    budgets = {task: training(task, params) for task in params.tasks}
    frame = grid(params, say)
    metrics = {f"{r.task}/T{r.T}/{r.cell}/seed{r.seed}": r.score for r in frame.itertuples()}
    notes = [
        f"Every model has about {params.param_budget} parameters (RNN + Dense head; the "
        "units and exact counts are in the tables).",
        *(f"Training, {task}: Adam lr {b.learning_rate}, global gradient norm clipped to "
          f"{params.clipnorm}, {b.train_steps} steps of {b.batch} fresh random "
          f"sequences (jit_compile={params.jit_compile})."
          for task, b in budgets.items()),
        f"Test: {params.test_size} other sequences per T; seeds 0…{params.seeds - 1} "
        "(initialization and data).",
        f"Adding problem: test MSE (predicting 1 always scores {ADDING_MEAN_BASELINE_MSE:.3f}). "
        f"First symbol: test accuracy over K = {params.symbols} symbols (chance "
        f"{1 / params.symbols:.3f}).",
        "A fixed, small training budget: a cell that fails here may still learn with more "
        "steps; the comparison is at equal parameters and equal steps.",
    ]
    tables = {}
    if "adding" in params.tasks:
        tables["Adding problem: test MSE (mean ± std over seeds)"] = summary(frame, "adding",
                                                                           params)
    if "first_symbol" in params.tasks:
        tables["Remember the first symbol: test accuracy (mean ± std over seeds)"] = summary(
            frame, "first_symbol", params)
    return StudyOutput(tables=tables, figures={"long_memory": plot(frame, params)},
                       data={"long_memory": frame}, metrics=metrics, notes=notes)
