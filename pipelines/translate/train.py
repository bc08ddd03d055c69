"""train: the attention encoder-decoder on teacher-forced pairs, early-stopped on validation."""

from __future__ import annotations

import keras

from pipelines.core.training import Trained, adam, fit, time_budget
from pipelines.translate.config import TranslateConfig
from pipelines.translate.featurize import TranslateFeatures
from rnnkit.models.seq2seq import build_seq2seq


def build_model(cfg: TranslateConfig, source_vocab: int, target_vocab: int,
                steps_per_epoch: int = 1) -> keras.Model:
    m, t = cfg.model, cfg.train
    model = build_seq2seq(
        source_vocab, target_vocab, embedding_dim=m.embedding_dim, cell=m.cell,
        encoder_units=m.encoder_units, decoder_units=m.decoder_units,
        attention_units=m.attention_units, output_units=m.output_units,
        dropout=m.dropout, cell_kwargs=dict(m.cell_args), name="translator")
    # no clipnorm: with it (and a tanh before the output) the model sat at the unigram loss
    model.compile(optimizer=adam(t, steps_per_epoch), label_smoothing=t.label_smoothing)
    return model


def train(cfg: TranslateConfig, features: TranslateFeatures,
          callbacks: list[keras.callbacks.Callback] | tuple = ()) -> Trained:
    """The fitted model (best validation epoch); `callbacks` join the run's own."""
    keras.utils.set_random_seed(cfg.train.seed)
    batches = features.batches(cfg, "train", shuffle=True)
    model = build_model(cfg, features.codec.source_size, features.codec.target_size,
                        len(batches))
    budget = cfg.train.time_budget_minutes
    return fit(model, batches, features.batches(cfg, "val"), epochs=cfg.train.epochs,
               patience=cfg.train.patience, reduce_lr=False,
               extra_callbacks=[*callbacks, *([time_budget(budget)] if budget else [])])
