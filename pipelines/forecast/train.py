"""train: a registry recurrent forecaster on the training windows, early-stopped on val."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import keras

from pipelines.core import tracking
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.featurize import ForecastFeatures
from pipelines.forecast.windows import WindowDataset
from rnnkit.models import build_forecaster


@dataclass
class Trained:
    model: keras.Model
    history: dict[str, list[float]]
    seconds: float
    epochs_run: int
    best_epoch: int


def build_model(cfg: ForecastConfig, lookback: int, num_features: int, horizon: int):
    m = cfg.model
    kwargs = {}
    if m.cell == "stacked":
        kwargs = {"num_layers": m.num_layers, "cell": m.stacked_cell}
    model = build_forecaster(
        lookback, num_features, horizon,
        cell=m.cell, units=m.units,
        bidirectional=m.bidirectional, deep_output=tuple(m.deep_output), dropout=m.dropout,
        **kwargs,
    )
    model.compile(optimizer=keras.optimizers.Adam(cfg.train.learning_rate),
                  loss=cfg.train.loss, metrics=["mae", "mse"])
    return model


def train(cfg: ForecastConfig, features: ForecastFeatures) -> Trained:
    keras.utils.set_random_seed(cfg.train.seed)
    windows = features.windows
    pre = features.preprocessor
    model = build_model(cfg, pre.lookback, features.series[0].matrix.shape[1], pre.horizon)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=cfg.train.patience, restore_best_weights=True
    )
    slow_down = keras.callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=max(1, cfg.train.patience // 2)
    )
    start = time.perf_counter()
    history = model.fit(
        WindowDataset(windows["train"], cfg.train.batch_size, shuffle=True, seed=cfg.train.seed),
        validation_data=WindowDataset(windows["val"], cfg.train.batch_size),
        epochs=cfg.train.epochs,
        callbacks=[stop, slow_down, tracking.epoch_callback()],
        verbose=1 if sys.stdout.isatty() else 2,  # bars on a terminal, a line per epoch in logs
    )
    seconds = time.perf_counter() - start
    val = history.history.get("val_loss", [])
    best = int(min(range(len(val)), key=val.__getitem__)) + 1 if val else len(val)
    return Trained(model, history.history, seconds, len(history.epoch), best)
