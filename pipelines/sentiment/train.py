"""train: embedding + registry recurrent layer + softmax, early-stopped on validation."""

from __future__ import annotations

import keras

from pipelines.core.training import CLASSIFIER_COMPILE, Trained, adam, fit
from pipelines.sentiment.config import SentimentConfig
from pipelines.sentiment.featurize import SentimentFeatures
from rnnkit.models import build_classifier


def build_model(cfg: SentimentConfig, vocab_size: int, num_classes: int,
                steps_per_epoch: int = 1) -> keras.Model:
    m, t = cfg.model, cfg.train
    model = build_classifier(
        num_classes, vocab_size=vocab_size, embedding_dim=m.embedding_dim, cell=m.cell,
        units=m.units, bidirectional=m.bidirectional, pooling=m.pooling, dropout=m.dropout,
        embedding_dropout=m.embedding_dropout, ngram_buckets=m.ngram_buckets,
        ngram_dim=m.ngram_dim, name="sentiment_classifier", **m.cell_args,
    )
    model.compile(optimizer=adam(t, steps_per_epoch), **CLASSIFIER_COMPILE)
    return model


def train(cfg: SentimentConfig, features: SentimentFeatures) -> Trained:
    keras.utils.set_random_seed(cfg.train.seed)
    batches = features.batches(cfg, "train", shuffle=True)
    model = build_model(cfg, features.encoder.vocab_size, len(features.labels), len(batches))
    return fit(model, batches, features.batches(cfg, "val"), epochs=cfg.train.epochs,
               patience=cfg.train.patience, reduce_lr=False)
