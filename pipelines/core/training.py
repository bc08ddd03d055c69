"""The fit every task shares: early stopping with best-weight restore, timing, epoch logs."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from pipelines.core import distributed, tracking


@dataclass
class Trained:
    """A trained model and how training went (`best_epoch` is 1-based; 0 without val)."""

    model: Any
    history: dict[str, list[float]]
    seconds: float
    epochs_run: int
    best_epoch: int


CLASSIFIER_COMPILE = {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}


def adam(train: Any, steps_per_epoch: int = 1):
    """The optimizer every task trains with: Adam at ``train.learning_rate``, annealed to
    zero over all ``train.epochs`` when ``train.cosine_decay`` (the last steps refine,
    not jump)."""
    import keras

    rate = train.learning_rate
    if getattr(train, "cosine_decay", False):
        rate = keras.optimizers.schedules.CosineDecay(rate, train.epochs * steps_per_epoch)
    return keras.optimizers.Adam(rate)


def time_budget(minutes: float):
    """A Keras callback that ends training after the epoch when another epoch as long as
    the longest so far would overrun `minutes` of wall time (for a run with a deadline)."""
    import keras

    class TimeBudget(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start, self.longest, self.stopped_early = time.perf_counter(), 0.0, False

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch_start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.longest = max(self.longest, now - self.epoch_start)
            if now - self.start + self.longest > minutes * 60:
                self.model.stop_training = self.stopped_early = True

    return TimeBudget()


def fit(model, train_data, val_data, *, epochs: int, patience: int, reduce_lr: bool = True,
        metric_prefix: str = "", extra_callbacks=(), batch_size: int | None = None) -> Trained:
    """`model.fit` with early stopping on `val_loss` (best weights restored), the learning
    rate halved after `patience // 2` stalled epochs when `reduce_lr`, per-epoch metrics
    logged to the active MLflow run (under `metric_prefix`), and wall time measured.
    `extra_callbacks` are added to these (e.g. `time_budget(25)`). The data are
    `keras.utils.PyDataset`s, or `(x, y)` arrays batched by `batch_size`."""
    import keras

    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                               restore_best_weights=True)]
    if reduce_lr:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=max(1, patience // 2)))
    if distributed.is_chief():  # only process 0 talks to MLflow
        callbacks.append(tracking.epoch_callback(prefix=metric_prefix))
    callbacks += list(extra_callbacks)
    start = time.perf_counter()
    x, y = train_data if isinstance(train_data, tuple) else (train_data, None)
    history = model.fit(
        x, y, batch_size=batch_size if y is not None else None, validation_data=val_data,
        epochs=epochs, callbacks=callbacks,
        # bars on a terminal, a line per epoch in logs; the chief's only
        verbose=(1 if sys.stdout.isatty() else 2) if distributed.is_chief() else 0,
    )
    seconds = time.perf_counter() - start
    val = history.history.get("val_loss", [])
    best = min(range(len(val)), key=val.__getitem__) + 1 if val else 0
    return Trained(model, history.history, seconds, len(history.epoch), best)
