"""Study `bench`: training throughput against sequence length and batch size, and the
input pipelines' throughput beside the model that consumes them.

Layers: for every layer of the config, `Dense(1) ∘ RNN` is trained on random data with
Adam and MSE (`train_on_batch`, default `jit_compile`); after a warm-up that compiles,
calls are timed until `min_seconds` have passed, `repeats` times; the figure is the
median steps/s. Two sweeps share the point (batch 64, T 100 by default): T at a fixed
batch, and the batch at a fixed T.

Input pipelines, each on real data, against one training step of the task's default
model on the batches they produce (items/s = steps/s × batch):

- forecast: `WindowDataset.__getitem__` on the train windows of a featurized source
  (windows/s);
- speech: FSDD wav decoding and `LogMelFeaturizer.transform` (spectrograms/s);
- sentiment: `TextEncoder.fit` over the texts and `TextEncoder.encode` (sentences/s).

The model should be the bottleneck: the ratio pipeline / model is reported.
For the other measurements on this machine (`make bench`'s A/B table) see
experiments/results/bench_<backend>.md.
"""

from __future__ import annotations

import os
import statistics
import tarfile
import time
from typing import Annotated

import keras
import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from pipelines.core import datahome, tasks
from pipelines.core.config import ConfigModel, PositiveInt, check_choice
from pipelines.forecast.config import SOURCES as FORECAST_SOURCES
from pipelines.studies.cells import LayerEntry, PositiveFloat, check_labels, recurrent
from pipelines.studies.framework import StudyOutput

DESCRIPTION = """
Training throughput of the registry's layers against sequence length (50 to 800 steps)
and batch size (16 to 256), and the input pipelines' throughput (forecast windows/s,
speech spectrograms/s, sentiment sentences/s) beside the training throughput of the
model they feed, so that the model, not the input pipeline, is the bottleneck.
"""
Sizes = Annotated[list[PositiveInt], Field(min_length=1)]


def _layers() -> list[LayerEntry]:
    return [
        LayerEntry(label="Keras SimpleRNN", cell="simple"),
        LayerEntry(label="Elman", cell="elman"),
        LayerEntry(label="leaky", cell="leaky"),
        LayerEntry(label="skip-delay (1,8)", cell="skip_delay", kwargs={"delays": [1, 8]}),
        LayerEntry(label="multiscale (1,2,4,8)", cell="multiscale",
                   kwargs={"periods": [1, 2, 4, 8]}),
        LayerEntry(label="DT L=2", cell="dt"),
        LayerEntry(label="Keras LSTM", cell="lstm"),
        LayerEntry(label="Keras GRU", cell="gru"),
    ]


class Params(ConfigModel):
    """The study's params (``experiments/studies/bench.yaml`` holds the profiles).

    Args:
        units: Recurrent units of every layer.
        features: Random input features.
        steps: Sequence lengths of the first sweep, at batch ``batch_fixed``.
        batch_fixed: The batch size of the sequence-length sweep.
        batches: Batch sizes of the second sweep, at T = ``steps_fixed``.
        steps_fixed: The sequence length of the batch-size sweep.
        min_seconds: Each repeat times calls for at least this long.
        repeats: Timed repeats per point (their median is reported).
        layers: The layers timed (labels differ).
        forecast_source: The forecast task's ``data.source`` whose windows are cut.
        speech_clips: FSDD clips decoded and featurized.
        sentiment_texts: IMDB reviews tokenized and encoded.
    """

    units: PositiveInt = 128
    features: PositiveInt = 16
    steps: Sizes = Field(default_factory=lambda: [50, 100, 200, 400, 800])
    batch_fixed: PositiveInt = 64
    batches: Sizes = Field(default_factory=lambda: [16, 32, 64, 128, 256])
    steps_fixed: PositiveInt = 100
    min_seconds: PositiveFloat = 1.0
    repeats: PositiveInt = 3
    layers: Annotated[list[LayerEntry], Field(min_length=1)] = Field(default_factory=_layers)
    forecast_source: str = "beijing"
    speech_clips: PositiveInt = 500
    sentiment_texts: PositiveInt = 5000

    @field_validator("forecast_source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return check_choice(value, FORECAST_SOURCES)

    @model_validator(mode="after")
    def _labels_differ(self) -> Params:
        check_labels(self.layers, "layers")
        return self


def timed_rate(fn, min_seconds, repeats, min_calls=2):
    """Median over `repeats` of calls/s, each repeat running `fn` ≥ min_seconds."""
    rates = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while calls < min_calls or time.perf_counter() - start < min_seconds:
            fn()
            calls += 1
        rates.append(calls / (time.perf_counter() - start))
    return statistics.median(rates)


def layer_rate(entry, steps, batch, params):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, steps, params.features)).astype("float32")
    y = rng.normal(size=(batch, 1)).astype("float32")
    model = keras.Sequential([keras.Input((steps, params.features)),
                              recurrent(entry, params.units), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.train_on_batch(x, y)  # compile
    model.train_on_batch(x, y)
    return timed_rate(lambda: model.train_on_batch(x, y), params.min_seconds,
                      params.repeats)


def layer_sweeps(params, say):
    points = {(t, params.batch_fixed) for t in params.steps}
    points |= {(params.steps_fixed, b) for b in params.batches}
    rows = []
    for entry in params.layers:
        for steps, batch in sorted(points):
            rate = layer_rate(entry, steps, batch, params)
            rows.append({"layer": entry.label, "T": steps, "batch": batch,
                         "steps_per_s": rate, "samples_per_s": rate * batch,
                         "timesteps_per_s": rate * batch * steps})
            say(f"  {entry.label:<24s} T={steps:<4d} batch={batch:<4d} {rate:8.2f} steps/s")
    return pd.DataFrame(rows)


def sweep_table(frame, key, fixed_value, params):
    other = "batch" if key == "T" else "T"
    part = frame[frame[other] == fixed_value]
    table = part.pivot(index="layer", columns=key, values="steps_per_s")
    table = table.reindex([e.label for e in params.layers])
    out = pd.DataFrame({"layer": table.index})
    for column in table.columns:
        out[f"{key}={column}"] = [f"{v:.1f}" for v in table[column]]
    return out


def plot_sweeps(frame, params):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for entry in params.layers:
        g = frame[frame.layer == entry.label]
        a = g[g.batch == params.batch_fixed].sort_values("T")
        b = g[g["T"] == params.steps_fixed].sort_values("batch")
        left.plot(a["T"], a.steps_per_s, "o-", label=entry.label)
        right.plot(b.batch, b.steps_per_s, "o-", label=entry.label)
    for ax, xlabel, title in (
        (left, "sequence length T", f"batch {params.batch_fixed}"),
        (right, "batch size", f"T = {params.steps_fixed}"),
    ):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("training steps/s")
        ax.set_title(f"{title}, {params.units} units, {params.features} features")
        ax.grid(alpha=0.3, which="both")
    left.legend(fontsize=7)
    return fig


# ------------------------------------------------------------------------- pipelines


def train_rate(model, loss, x, y, params):
    model.compile(optimizer="adam", loss=loss)
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    return timed_rate(lambda: model.train_on_batch(x, y), params.min_seconds,
                      params.repeats)


def forecast_pipeline(params):
    from pipelines.forecast.featurize import featurize
    from pipelines.forecast.ingest import ingest
    from pipelines.forecast.windows import WindowDataset
    from rnnkit.models import build_forecaster

    task = tasks.get_task("forecast")
    cfg = task.load_config("default", [f"data.source={params.forecast_source}"])
    features = featurize(cfg, ingest(cfg))
    windows = features.windows["train"]
    batch = cfg.train.batch_size
    data = WindowDataset(windows, batch, shuffle=True, seed=0)
    count = [0]

    def next_batch():
        data[count[0] % len(data)]
        count[0] += 1

    pipeline = timed_rate(next_batch, params.min_seconds, params.repeats) * batch
    x, y = data[0]
    model = build_forecaster(windows.lookback, x.shape[-1], windows.horizon,
                             cell=cfg.model.cell, units=cfg.model.units)
    consumed = train_rate(model, cfg.train.loss, x, y, params) * batch
    shape = f"batch {batch} × {windows.lookback} steps × {x.shape[-1]} features → {y.shape[-1]}"
    return {"pipeline": f"forecast windows ({features.dataset})", "unit": "windows/s",
            "input items/s": pipeline, "model": f"{cfg.model.cell} {cfg.model.units}, {shape}",
            "model items/s": consumed}


def speech_pipeline(params):
    from pipelines.speech.audio import load
    from pipelines.speech.featurizer import LogMelFeaturizer
    from pipelines.speech.ingest import FSDD_FILE, FSDD_SOURCE
    from rnnkit.models import build_classifier

    cfg = tasks.get_task("speech").load_config("default", [])
    path = datahome.require_file(FSDD_FILE, FSDD_SOURCE)
    with tarfile.open(path) as archive:
        members = [m for m in archive.getmembers() if m.isfile() and m.name.endswith(".wav")]
        members = sorted(members, key=lambda m: m.name)[: params.speech_clips]
        blobs = [(m.name, archive.extractfile(m).read()) for m in members]
    rate = cfg.featurize.sample_rate
    start = time.perf_counter()
    audio = [load(data, name, rate)[0] for name, data in blobs]
    decoded = len(audio) / (time.perf_counter() - start)
    featurizer = LogMelFeaturizer.from_config(cfg.featurize, [str(d) for d in range(10)])
    featurizer.fit([featurizer.logmel(a) for a in audio[:20]])
    start = time.perf_counter()
    frames = [featurizer.transform(a) for a in audio]
    spectrograms = len(frames) / (time.perf_counter() - start)
    batch = cfg.train.batch_size
    steps = int(np.median([len(f) for f in frames]))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, steps, cfg.featurize.n_mels)).astype("float32")
    y = rng.integers(0, 10, size=batch)
    model = build_classifier(10, input_dim=cfg.featurize.n_mels, cell=cfg.model.cell,
                             units=cfg.model.units, bidirectional=cfg.model.bidirectional,
                             pooling=cfg.model.pooling)
    consumed = train_rate(model, "sparse_categorical_crossentropy", x, y, params) * batch
    model_text = (f"{'bi' if cfg.model.bidirectional else ''}{cfg.model.cell} "
                  f"{cfg.model.units}, batch {batch} × {steps} frames (median) × "
                  f"{cfg.featurize.n_mels} mels")
    return [
        {"pipeline": f"speech: wav decode ({len(audio)} FSDD clips)", "unit": "clips/s",
         "input items/s": decoded, "model": model_text, "model items/s": consumed},
        {"pipeline": "speech: log-mel featurize", "unit": "spectrograms/s",
         "input items/s": spectrograms, "model": model_text, "model items/s": consumed},
    ]


def sentiment_pipeline(params):
    from pipelines.core.bucketing import pad
    from pipelines.sentiment.ingest import IMDB_FILE, IMDB_SOURCE
    from pipelines.sentiment.text import TextEncoder
    from rnnkit.models import build_classifier

    cfg = tasks.get_task("sentiment").load_config("default", [])
    f = cfg.featurize
    path = datahome.require_file(IMDB_FILE, IMDB_SOURCE)
    texts = pd.read_csv(path, usecols=["text"], nrows=params.sentiment_texts,
                        dtype=str, keep_default_na=False)["text"].tolist()
    start = time.perf_counter()
    encoder = TextEncoder.fit(texts, f.vocab_size, f.min_count, f.max_length, f.head_fraction)
    fitted = len(texts) / (time.perf_counter() - start)
    start = time.perf_counter()
    ids = encoder.encode(texts)
    encoded = len(texts) / (time.perf_counter() - start)
    batch = cfg.train.batch_size
    length = int(np.median([len(i) for i in ids]))
    rng = np.random.default_rng(0)
    chosen = [i for i in ids if len(i) >= length][:batch]
    x = pad([c[:length] for c in chosen], pad_multiple=f.pad_multiple)
    y = rng.integers(0, 2, size=len(x))
    model = build_classifier(2, vocab_size=encoder.vocab_size,
                             embedding_dim=cfg.model.embedding_dim, cell=cfg.model.cell,
                             units=cfg.model.units,
                             bidirectional=cfg.model.bidirectional, pooling=cfg.model.pooling)
    consumed = train_rate(model, "sparse_categorical_crossentropy", x, y, params) * len(x)
    model_text = (f"{'bi' if cfg.model.bidirectional else ''}{cfg.model.cell} "
                  f"{cfg.model.units}, batch {len(x)} × {x.shape[1]} tokens (median review)")
    return [
        {"pipeline": f"sentiment: vocabulary fit ({len(texts)} IMDB reviews)",
         "unit": "sentences/s", "input items/s": fitted, "model": model_text,
         "model items/s": consumed},
        {"pipeline": "sentiment: tokenize + encode", "unit": "sentences/s",
         "input items/s": encoded, "model": model_text, "model items/s": consumed},
    ]


def pipelines_table(params, say):
    rows = [forecast_pipeline(params)]
    say(f"  {rows[-1]['pipeline']}: {rows[-1]['input items/s']:.0f} vs model "
        f"{rows[-1]['model items/s']:.0f} {rows[-1]['unit']}")
    for measure in (speech_pipeline, sentiment_pipeline):
        for row in measure(params):
            rows.append(row)
            say(f"  {row['pipeline']}: {row['input items/s']:.0f} vs model "
                f"{row['model items/s']:.0f} {row['unit']}")
    frame = pd.DataFrame(rows)
    frame["input / model"] = frame["input items/s"] / frame["model items/s"]
    return frame


def run(params, say):
    load_before = os.getloadavg()
    layers = layer_sweeps(params, say)
    inputs = pipelines_table(params, say)
    load_after = os.getloadavg()
    shown = inputs.copy()
    for column in ("input items/s", "model items/s"):
        shown[column] = [f"{v:,.0f}" for v in shown[column]]
    shown["input / model"] = [f"{v:,.1f}×" for v in inputs["input / model"]]
    metrics = {f"steps_per_s/{r.layer}/T{r.T}/b{r.batch}": r.steps_per_s
               for r in layers.itertuples()}
    rates = zip(inputs.pipeline, inputs["input items/s"], strict=True)
    metrics.update({f"items_per_s/{name}": value for name, value in rates})
    notes = [
        f"Layers: {params.units} units, {params.features} random features, Dense(1) "
        "head, Adam, MSE, `train_on_batch` with the default jit_compile; median of "
        f"{params.repeats} repeats of ≥ {params.min_seconds} s each, after 2 warm-up "
        "steps.",
        "Input pipelines: single-threaded Python/NumPy as the tasks run them; model: one "
        "training step of the task's default model (random weights) on one batch of "
        "the shape the pipeline yields; items/s = steps/s × batch. Forecast windows are "
        "cut anew in every epoch; spectrograms and token ids are computed once, in "
        "featurize, and reused by every epoch.",
        f"Machine load (1-min load average) {load_before[0]:.1f} at the start and "
        f"{load_after[0]:.1f} at the end, on {os.cpu_count()} cores: on a shared machine "
        "absolute rates are lower and noisier than on an idle one; compare within a table.",
    ]
    return StudyOutput(
        tables={
            f"Training steps/s against sequence length (batch {params.batch_fixed})":
                sweep_table(layers, "T", params.batch_fixed, params),
            f"Training steps/s against batch size (T = {params.steps_fixed})":
                sweep_table(layers, "batch", params.steps_fixed, params),
            "Input pipelines against the model they feed": shown,
        },
        figures={"layer_throughput": plot_sweeps(layers, params)},
        data={"layer_throughput": layers, "pipelines": inputs},
        metrics=metrics,
        notes=notes,
    )

