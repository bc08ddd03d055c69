"""ingest -> featurize -> train -> evaluate of the toy task, in one module."""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from pipelines.core.training import Trained, adam, fit
from pipelines.core.types import Provenance, Report
from rnnkit.models import build_recurrent
from toy_task.serving import Digits


@dataclass
class Raw:
    sequences: np.ndarray
    provenance: Provenance


@dataclass
class Features:
    digits: Digits
    splits: dict[str, np.ndarray]


def ingest(cfg) -> Raw:
    d = cfg.data
    rng = np.random.default_rng(d.seed)
    sequences = rng.integers(0, d.digits, size=(d.examples, d.length))
    return Raw(sequences, Provenance(source=d.source, rows=d.examples))


def featurize(cfg, raw: Raw) -> Features:
    n = len(raw.sequences)
    test = round(n * cfg.featurize.test_fraction)
    val = round(n * cfg.featurize.val_fraction)
    s = raw.sequences
    return Features(Digits(cfg.data.length, cfg.data.digits),
                    {"test": s[:test], "val": s[test:test + val], "train": s[test + val:]})


def build_model(cfg, digits: Digits) -> keras.Model:
    return keras.Sequential([
        keras.Input((digits.length,), dtype="int32"),
        keras.layers.Embedding(digits.digits, 16),
        build_recurrent(cfg.model.cell, cfg.model.units, bidirectional=True,
                        return_sequences=True),
        keras.layers.Dense(digits.digits),
    ])


def train(cfg, features: Features) -> Trained:
    keras.utils.set_random_seed(cfg.train.seed)
    model = build_model(cfg, features.digits)
    model.compile(optimizer=adam(cfg.train),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    train_x, val_x = features.splits["train"], features.splits["val"]
    return fit(model, (train_x, train_x[:, ::-1]), (val_x, val_x[:, ::-1]),
               epochs=cfg.train.epochs, patience=cfg.train.patience,
               batch_size=cfg.train.batch_size)


def scores(sequences: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    right = predicted == sequences[:, ::-1]
    return {"accuracy": float(right.mean()), "sequence_accuracy": float(right.all(1).mean())}


def evaluate(cfg, trained: Trained, features: Features) -> Report:
    test = features.splits["test"]
    predicted = np.asarray(trained.model.predict(test, verbose=0)).argmax(-1)
    return Report(model_metrics=scores(test, predicted),
                  baselines={"copy": scores(test, test)}, dataset=cfg.data.source)
