"""train: embedding + registry recurrent layer + softmax, early-stopped on validation."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import keras

from pipelines.core import tracking
from pipelines.sentiment.config import SentimentConfig
from pipelines.sentiment.featurize import SentimentFeatures
from rnnkit.models import build_classifier


@dataclass
class Trained:
    model: keras.Model
    history: dict[str, list[float]]
    seconds: float
    epochs_run: int
    best_epoch: int


def build_model(cfg: SentimentConfig, vocab_size: int, num_classes: int,
                steps_per_epoch: int = 1) -> keras.Model:
    m, t = cfg.model, cfg.train
    model = build_classifier(
        num_classes, vocab_size=vocab_size, embedding_dim=m.embedding_dim, cell=m.cell,
        units=m.units, bidirectional=m.bidirectional, pooling=m.pooling, dropout=m.dropout,
        name="sentiment_classifier",
    )
    rate = t.learning_rate
    if t.cosine_decay:  # anneal to zero over all epochs: the last steps refine, not jump
        rate = keras.optimizers.schedules.CosineDecay(rate, t.epochs * steps_per_epoch)
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def train(cfg: SentimentConfig, features: SentimentFeatures) -> Trained:
    keras.utils.set_random_seed(cfg.train.seed)
    batches = features.batches(cfg, "train", shuffle=True)
    model = build_model(cfg, features.encoder.vocab_size, len(features.labels), len(batches))
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=cfg.train.patience, restore_best_weights=True)
    start = time.perf_counter()
    history = model.fit(
        batches,
        validation_data=features.batches(cfg, "val"),
        epochs=cfg.train.epochs,
        callbacks=[stop, tracking.epoch_callback()],
        verbose=1 if sys.stdout.isatty() else 2,  # bars on a terminal, a line per epoch in logs
    )
    seconds = time.perf_counter() - start
    val = history.history.get("val_loss", [])
    best = int(min(range(len(val)), key=val.__getitem__)) + 1 if val else len(val)
    return Trained(model, history.history, seconds, len(history.epoch), best)
