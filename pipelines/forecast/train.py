"""train: a registry recurrent forecaster on the training windows, early-stopped on val."""

from __future__ import annotations

import keras

from pipelines.core.training import Trained, adam, fit
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.featurize import ForecastFeatures
from rnnkit.losses import MedianMAE, PinballLoss
from rnnkit.models import build_forecaster


def build_model(cfg: ForecastConfig, lookback: int, num_features: int, horizon: int,
                num_series: int = 0):
    """The configured forecaster, compiled; `num_series` sizes its series embedding."""
    m = cfg.model
    model = build_forecaster(
        lookback, num_features, horizon,
        cell=m.cell, units=m.units,
        bidirectional=m.bidirectional, deep_output=tuple(m.deep_output), dropout=m.dropout,
        quantiles=tuple(m.quantiles), num_series=num_series,
        series_embedding=m.series_embedding, **m.cell_args,
    )
    if m.quantiles:  # the pinball loss replaces train.loss; mae is the median's
        model.compile(optimizer=adam(cfg.train), loss=PinballLoss(m.quantiles),
                      metrics=[MedianMAE(m.quantiles)])
    else:
        model.compile(optimizer=adam(cfg.train), loss=cfg.train.loss, metrics=["mae", "mse"])
    return model


def train(cfg: ForecastConfig, features: ForecastFeatures) -> Trained:
    keras.utils.set_random_seed(cfg.train.seed)
    pre, batch = features.preprocessor, cfg.train.batch_size
    model = build_model(cfg, pre.lookback, features.series[0].matrix.shape[1], pre.horizon,
                        len(pre.series_index))
    return fit(
        model,
        features.batches("train", batch, shuffle=True, seed=cfg.train.seed),
        features.batches("val", batch),
        epochs=cfg.train.epochs, patience=cfg.train.patience,
    )
