"""Study `depth`: Pascanu, Gulcehre, Cho & Bengio (ICLR 2014), "How to construct deep
recurrent neural networks", at matched parameter counts.

Variants (`variants` in the config): plain RNN, stacked RNN, deep transition (DT),
DT with shortcut (DT(S)), deep output (DO: a `DeepOutput` MLP, one hidden layer as wide
as the state, between `h_t` and `y_t`) and DT+DO. Each variant's units are chosen so
that the whole model has the parameter count closest to the task's budget.

Tasks:

- `forecast`: the forecast pipeline's featurized windows of a source (default Beijing
  hourly temperature, 72 h in, 24 h out), trained with `pipelines.core.training.fit`
  (MAE loss, early stopping on validation); metric: test MAE in °C over all 24 steps,
  beside the seasonal-naive baseline.
- `chars`: next-character prediction over the English side of anki_spa_eng/spa.txt
  (sentences sampled with a fixed seed, split 80/10/10 by sentence), chunks of `length`
  characters; metric: test cross-entropy in bits per character.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import keras
import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from pipelines.core import datahome, tasks
from pipelines.core.config import (
    ConfigModel,
    LearningRate,
    NonNegativeInt,
    PositiveInt,
    broken_rule,
    check_choice,
)
from pipelines.core.training import fit
from pipelines.forecast.config import SOURCES as FORECAST_SOURCES
from pipelines.studies.cells import LayerEntry, check_labels, recurrent, units_for_budget
from pipelines.studies.framework import StudyOutput
from rnnkit.layers import DeepOutput

DESCRIPTION = """
Pascanu, Gulcehre, Cho & Bengio (ICLR 2014), "How to construct deep recurrent neural
networks": plain vs stacked vs deep transition (DT) vs DT with shortcut (DT(S)) vs deep
output (DO) vs DT+DO, at matched parameter counts, on Beijing hourly temperature
forecasting and on character-level next-character prediction over the English side of
anki_spa_eng/spa.txt.
"""
SPA_FILE = "anki_spa_eng/spa.txt"
SPA_SOURCE = "Anki/Tatoeba English-Spanish pairs (manythings.org/anki, CC-BY 2.0)"
TASKS = ("forecast", "chars")


class Variant(LayerEntry):
    """A layer entry (``pipelines.studies.cells.LayerEntry``) and its head.

    Args:
        deep_output: A ``DeepOutput`` head (one tanh layer as wide as the state)
            instead of one Dense layer.
    """

    deep_output: bool = False


def _variants() -> list[Variant]:
    return [
        Variant(label="plain RNN", cell="elman"),
        Variant(label="stacked ×2", cell="stacked",
                kwargs={"inner_cell": "elman", "num_layers": 2}),
        Variant(label="DT", cell="dt"),
        Variant(label="DT(S)", cell="dts"),
        Variant(label="DO", cell="elman", deep_output=True),
        Variant(label="DT+DO", cell="dt", deep_output=True),
    ]


class ForecastParams(ConfigModel):
    """The forecast task.

    Args:
        source: The forecast task's ``data.source``.
        max_windows: Train on a random subset of this many windows.
        param_budget: Every variant's target parameter count.
        batch: Windows per Adam step.
        epochs: At most this many epochs, with early stopping on validation.
        patience: Epochs without improvement before stopping.
        learning_rate: Adam's rate.
    """

    source: str = "beijing"
    max_windows: PositiveInt = 4000
    param_budget: PositiveInt = 6000
    batch: PositiveInt = 64
    epochs: PositiveInt = 12
    patience: NonNegativeInt = 3
    learning_rate: LearningRate = 0.002

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return check_choice(value, FORECAST_SOURCES)


class CharsParams(ConfigModel):
    """The next-character task.

    Args:
        sentences: English sentences sampled from spa.txt (split 80/10/10).
        length: Characters per training chunk.
        embedding_dim: Width of the character embedding.
        param_budget: Every variant's target parameter count.
        batch: Chunks per Adam step.
        epochs: At most this many epochs, with early stopping on validation.
        patience: Epochs without improvement before stopping.
        learning_rate: Adam's rate.
    """

    sentences: Annotated[int, Field(ge=10)] = 12000  # at least one per split
    length: PositiveInt = 64
    embedding_dim: PositiveInt = 16
    param_budget: PositiveInt = 12000
    batch: PositiveInt = 64
    epochs: PositiveInt = 8
    patience: NonNegativeInt = 2
    learning_rate: LearningRate = 0.003


class Params(ConfigModel):
    """The study's params (``experiments/studies/depth.yaml`` holds the profiles).

    Args:
        tasks: Which of ``TASKS`` to run (each once).
        seeds: Runs per (task, variant) (seeds 0 … seeds - 1).
        variants: The layers compared (labels differ).
        forecast: The forecast task.
        chars: The next-character task.
    """

    tasks: Annotated[list[Literal[TASKS]], Field(min_length=1)] = Field(  # type: ignore
        default_factory=lambda: list(TASKS))
    seeds: PositiveInt = 3
    variants: Annotated[list[Variant], Field(min_length=1)] = Field(default_factory=_variants)
    forecast: ForecastParams = Field(default_factory=ForecastParams)
    chars: CharsParams = Field(default_factory=CharsParams)

    @model_validator(mode="after")
    def _distinct(self) -> Params:
        if len(set(self.tasks)) < len(self.tasks):
            raise broken_rule(f"each task may be listed once; received {self.tasks}", "tasks")
        check_labels(self.variants, "variants")
        return self


def head(entry, units, outputs, activation=None):
    if entry.deep_output:
        return DeepOutput(outputs, hidden_units=(units,), activation="tanh",
                          output_activation=activation)
    return keras.layers.Dense(outputs, activation=activation)


# ------------------------------------------------------------------------- forecast


def forecast_data(params):
    from pipelines.forecast.featurize import featurize
    from pipelines.forecast.ingest import ingest

    f = params.forecast
    cfg = tasks.get_task("forecast").load_config(
        "default", [f"data.source={f.source}", f"train.max_train_windows={f.max_windows}"])
    return cfg, featurize(cfg, ingest(cfg))


def forecast_model(entry, units, features):
    pre = features.preprocessor
    inputs = keras.Input((pre.lookback, features.series[0].matrix.shape[1]))
    hidden = recurrent(entry, units)(inputs)
    return keras.Model(inputs, head(entry, units, pre.horizon)(hidden))


def forecast_scores(params, say):
    from pipelines.forecast.baselines import seasonal_naive
    from pipelines.forecast.evaluate import forecast_levels
    from pipelines.forecast.windows import WindowDataset

    f = params.forecast
    cfg, features = forecast_data(params)
    windows, h = features.windows, features.preprocessor.horizon
    actual = np.stack([features.series[s].level[t + 1: t + 1 + h]
                       for s, t in windows["test"].index])
    seasonal = np.concatenate([
        seasonal_naive(features.series[s].level, [t], h, features.season)
        for s, t in windows["test"].index])
    rows = []
    for entry in params.variants:
        units, count = units_for_budget(
            entry, f.param_budget,
            lambda u, e=entry: forecast_model(e, u, features).count_params())
        for seed in range(params.seeds):
            keras.utils.set_random_seed(seed)
            model = forecast_model(entry, units, features)
            model.compile(optimizer=keras.optimizers.Adam(f.learning_rate), loss="mae")
            trained = fit(model, WindowDataset(windows["train"], f.batch, shuffle=True,
                                               seed=seed),
                          WindowDataset(windows["val"], f.batch), epochs=f.epochs,
                          patience=f.patience)
            mae = float(np.mean(np.abs(forecast_levels(trained.model, features) - actual)))
            rows.append({"task": "forecast", "variant": entry.label, "units": units,
                         "params": count, "seed": seed, "score": mae,
                         "epochs": trained.epochs_run, "train_s": trained.seconds})
            say(f"  forecast {entry.label:<14s} {units:3d} units {count:6d} params seed "
                f"{seed}: test MAE {mae:.3f}")
    baseline = float(np.mean(np.abs(seasonal - actual)))
    return rows, {"dataset": features.dataset, "seasonal_naive_mae": baseline,
                  "train_windows": len(windows["train"]), "test_windows": len(actual),
                  "lookback": features.preprocessor.lookback, "horizon": h}


# ---------------------------------------------------------------------------- chars


def english_text(params):
    """Train/val/test strings of sampled English sentences, one per line."""
    c = params.chars
    path = datahome.require_file(SPA_FILE, SPA_SOURCE)
    lines = path.read_text(encoding="utf-8").splitlines()
    english = [line.split("\t")[0] for line in lines if "\t" in line]
    rng = np.random.default_rng(0)
    chosen = [english[i] for i in rng.choice(len(english), c.sentences, replace=False)]
    n_train, n_val = int(0.8 * len(chosen)), int(0.1 * len(chosen))
    parts = (chosen[:n_train], chosen[n_train:n_train + n_val], chosen[n_train + n_val:])
    return ["\n".join(p) + "\n" for p in parts]


def char_chunks(text, index, length):
    """Non-overlapping `[n, length]` inputs and next-character targets."""
    ids = np.array([index.get(ch, 1) for ch in text], dtype="int32")
    n = (len(ids) - 1) // length
    x = ids[: n * length].reshape(n, length)
    y = ids[1: n * length + 1].reshape(n, length)
    return x, y


def char_model(entry, units, vocab, params):
    inputs = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocab, params.chars.embedding_dim)(inputs)
    hidden = recurrent(entry, units, return_sequences=True)(x)
    return keras.Model(inputs, head(entry, units, vocab, "softmax")(hidden))


def char_scores(params, say):
    c = params.chars
    train_text, val_text, test_text = english_text(params)
    chars = sorted(set(train_text))
    index = {ch: i + 2 for i, ch in enumerate(chars)}  # 0 unused, 1 = unknown
    vocab = len(chars) + 2
    data = {name: char_chunks(text, index, c.length)
            for name, text in (("train", train_text), ("val", val_text), ("test", test_text))}
    rows = []
    for entry in params.variants:
        units, count = units_for_budget(
            entry, c.param_budget,
            lambda u, e=entry: char_model(e, u, vocab, params).count_params())
        for seed in range(params.seeds):
            keras.utils.set_random_seed(seed)
            model = char_model(entry, units, vocab, params)
            model.compile(optimizer=keras.optimizers.Adam(c.learning_rate),
                          loss="sparse_categorical_crossentropy")
            trained = fit(model, _Batches(*data["train"], c.batch, seed),
                          _Batches(*data["val"], c.batch), epochs=c.epochs,
                          patience=c.patience)
            loss = trained.model.evaluate(*data["test"], batch_size=c.batch, verbose=0)
            bits = float(loss) / math.log(2)
            rows.append({"task": "chars", "variant": entry.label, "units": units,
                         "params": count, "seed": seed, "score": bits,
                         "epochs": trained.epochs_run, "train_s": trained.seconds})
            say(f"  chars    {entry.label:<14s} {units:3d} units {count:6d} params seed "
                f"{seed}: test {bits:.3f} bits/char")
    return rows, {"vocab": vocab, "train_chars": len(train_text), "test_chars": len(test_text),
                  "unigram_bits": _unigram_bits(train_text, test_text, index)}


def _unigram_bits(train_text, test_text, index):
    """Bits/char of the train split's character frequencies on the test split (add-one)."""
    counts = np.ones(len(index) + 2)
    for ch in train_text:
        counts[index[ch]] += 1
    p = counts / counts.sum()
    ids = np.array([index.get(ch, 1) for ch in test_text])
    return float(-np.mean(np.log2(p[ids])))


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch = x, y, batch
        self.order = np.arange(len(x))
        self.rng = None if seed is None else np.random.default_rng(seed)
        if self.rng is not None:
            self.rng.shuffle(self.order)

    def __len__(self):
        return math.ceil(len(self.x) / self.batch)

    def __getitem__(self, i):
        rows = self.order[i * self.batch: (i + 1) * self.batch]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        if self.rng is not None:
            self.rng.shuffle(self.order)


# ------------------------------------------------------------------------------ run


def summary(frame, params):
    rows = []
    for entry in params.variants:
        row = {"variant": entry.label}
        for task, unit in (("forecast", "test MAE °C"), ("chars", "test bits/char")):
            g = frame[(frame.task == task) & (frame.variant == entry.label)]
            if g.empty:
                continue
            row[f"{task} units"] = int(g.units.iloc[0])
            row[f"{task} params"] = int(g.params.iloc[0])
            row[f"{task}: {unit}"] = f"{g.score.mean():.3f} ± {g.score.std(ddof=0):.3f}"
            row[f"{task} train s"] = f"{g.train_s.mean():.0f}"
        rows.append(row)
    return pd.DataFrame(rows)


def plot(frame, params, references):
    import matplotlib.pyplot as plt

    task_names = [t for t in ("forecast", "chars") if (frame.task == t).any()]
    fig, axes = plt.subplots(1, len(task_names), figsize=(6 * len(task_names), 4), squeeze=False)
    labels = [e.label for e in params.variants]
    for ax, task in zip(axes[0], task_names, strict=True):
        g = frame[frame.task == task].groupby("variant").score
        means, stds = g.mean().reindex(labels), g.std(ddof=0).reindex(labels)
        ax.bar(range(len(labels)), means, yerr=stds, capsize=3, color="tab:blue", alpha=0.8)
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
        name, value = references[task]
        ax.axhline(value, color="gray", ls=":", label=name)
        ax.set_ylim(0, max(means.max() + stds.max(), value) * 1.1)
        ax.set_ylabel("test MAE (°C)" if task == "forecast" else "test bits per character")
        ax.set_title(task)
        ax.legend(fontsize=8)
    fig.suptitle(f"Deep RNN variants at matched parameters, mean ± std over {params.seeds} "
                 "seeds (lower is better)")
    return fig


def run(params, say):
    rows, notes, references = [], [], {}
    if "forecast" in params.tasks:
        found, info = forecast_scores(params, say)
        rows += found
        f = params.forecast
        references["forecast"] = ("seasonal naive", info["seasonal_naive_mae"])
        notes.append(
            f"forecast: {info['dataset']}, {info['lookback']} h in, {info['horizon']} h out, "
            f"{info['train_windows']} training windows (random subset), "
            f"{info['test_windows']} test windows; Adam {f.learning_rate}, MAE loss, batch "
            f"{f.batch}, ≤ {f.epochs} epochs with early stopping (patience "
            f"{f.patience}); budget {f.param_budget} parameters; seasonal-naive "
            f"(24 h) test MAE {info['seasonal_naive_mae']:.3f} °C.")
    if "chars" in params.tasks:
        found, info = char_scores(params, say)
        rows += found
        c = params.chars
        references["chars"] = ("unigram frequencies", info["unigram_bits"])
        notes.append(
            f"chars: {c.sentences} English sentences of spa.txt (seed 0), "
            f"{info['train_chars']} training characters, {info['test_chars']} test "
            f"characters, vocabulary {info['vocab']} (with unknown), chunks of {c.length}, "
            f"embedding {c.embedding_dim}; Adam {c.learning_rate}, batch {c.batch}, "
            f"≤ {c.epochs} epochs with early stopping (patience {c.patience}); budget "
            f"{c.param_budget} parameters; a unigram model scores "
            f"{info['unigram_bits']:.3f} bits/char.")
    notes.append("DO: one tanh hidden layer as wide as the state between h_t and the output; "
                 "stacked: two layers of the plain cell.")
    frame = pd.DataFrame(rows)
    metrics = {f"{r.task}/{r.variant}/seed{r.seed}": r.score for r in frame.itertuples()}
    return StudyOutput(tables={"Depth variants at matched parameter counts": summary(frame,
                                                                                      params)},
                       figures={"depth": plot(frame, params, references)},
                       data={"depth": frame}, metrics=metrics, notes=notes)
