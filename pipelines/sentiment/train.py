"""train: embedding + registry recurrent layer + softmax, early-stopped on validation.

With an n-gram channel (`model.ngram_buckets`) the classifier has two paths
(`rnnkit.models.classifier_paths`), trained apart and then stacked:

1. the wide path, NB-scaled n-grams -> logits (`BagLinear`), `train.ngram_epochs` epochs at
   a constant rate, its best validation epoch kept;
2. the recurrent path, tokens -> logits, as a classifier without the channel trains;
3. the fusion `softmax(F [z_deep ; z_wide] + f)`: a logistic regression of the
   validation labels on the two paths' validation logits.

Trained jointly instead, the recurrent path memorises the training reviews within two
epochs and drags the pair below the wide path alone (0.907 against 0.917 on IMDB).
"""

from __future__ import annotations

import time

import keras
import numpy as np

from pipelines.core.bucketing import predict_in_order
from pipelines.core.training import CLASSIFIER_COMPILE, Trained, adam, fit
from pipelines.sentiment.config import SentimentConfig
from pipelines.sentiment.featurize import SentimentFeatures
from rnnkit.models import build_classifier, classifier_paths


def build_model(cfg: SentimentConfig, vocab_size: int, num_classes: int,
                steps_per_epoch: int = 1) -> keras.Model:
    """The classifier, compiled when it trains as a whole (a two-path one trains its
    paths: `classifier_paths`, each compiled in `train`, and is saved uncompiled)."""
    m, t = cfg.model, cfg.train
    model = build_classifier(
        num_classes, vocab_size=vocab_size, embedding_dim=m.embedding_dim, cell=m.cell,
        units=m.units, bidirectional=m.bidirectional, pooling=m.pooling, dropout=m.dropout,
        embedding_dropout=m.embedding_dropout, ngram_buckets=m.ngram_buckets,
        name="sentiment_classifier", **m.cell_args,
    )
    if not m.ngram_buckets:
        model.compile(optimizer=adam(t, steps_per_epoch), **CLASSIFIER_COMPILE)
    return model


class OnePath(keras.utils.PyDataset):
    """The batches of a two-input dataset with only one of its inputs (`"tokens"` or
    `"ngrams"`), for training one path of the classifier."""

    def __init__(self, data, key: str):
        super().__init__()
        self.data, self.key = data, key

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        x, *rest = self.data[index]
        return (x[self.key], *rest)

    def on_epoch_end(self):
        self.data.on_epoch_end()


def train(cfg: SentimentConfig, features: SentimentFeatures) -> Trained:
    keras.utils.set_random_seed(cfg.train.seed)
    t = cfg.train
    batches, val = features.batches(cfg, "train", shuffle=True), features.batches(cfg, "val")
    model = build_model(cfg, features.encoder.vocab_size, len(features.labels), len(batches))
    if features.ngram_scale is None:
        return fit(model, batches, val, epochs=t.epochs, patience=t.patience, reduce_lr=False)
    model.get_layer("ngram_logits").set_scale(features.ngram_scale)  # from the train split
    paths = classifier_paths(model)
    paths["wide"].compile(optimizer=keras.optimizers.Adam(t.learning_rate), **CLASSIFIER_COMPILE)
    wide = fit(paths["wide"], OnePath(batches, "ngrams"), OnePath(val, "ngrams"),
               epochs=t.ngram_epochs, patience=1, reduce_lr=False, metric_prefix="wide/")
    paths["deep"].compile(optimizer=adam(t, len(batches)), **CLASSIFIER_COMPILE)
    deep = fit(paths["deep"], OnePath(batches, "tokens"), OnePath(val, "tokens"),
               epochs=t.epochs, patience=t.patience, reduce_lr=False)
    start = time.perf_counter()
    fit_fusion(model, paths["logits"], val, features.splits["val"].labels, t.seed)
    history = {**deep.history, **{f"wide_{k}": v for k, v in wide.history.items()}}
    return Trained(model, history, wide.seconds + deep.seconds + time.perf_counter() - start,
                   deep.epochs_run, deep.best_epoch)


#: Validation texts per class below which the fusion keeps summing the paths' logits.
MIN_FUSION_TEXTS = 20


def fit_fusion(model, path_logits, val, labels: np.ndarray, seed: int) -> None:
    """Set the fusion layer to the logistic regression of the validation labels on the
    two paths' validation logits `[z_deep ; z_wide]` (scikit-learn, L2, C = 1); with
    fewer than `MIN_FUSION_TEXTS` validation texts of some class (a small CSV) it keeps
    its initial `F = [I ; I]`, the sum of the paths' logits."""
    from sklearn.linear_model import LogisticRegression

    classes = model.output_shape[-1]
    if np.bincount(labels, minlength=classes).min() < MIN_FUSION_TEXTS:
        return
    z = predict_in_order(path_logits, val)
    regression = LogisticRegression(C=1.0, max_iter=1000, random_state=seed).fit(z, labels)
    kernel = np.zeros((z.shape[1], classes), "float32")
    bias = np.zeros(classes, "float32")
    if regression.coef_.shape[0] == 1:  # two classes: one row, the log-odds of class 1
        kernel[:, 1], bias[1] = regression.coef_[0], regression.intercept_[0]
    else:
        kernel[:, regression.classes_] = regression.coef_.T
        bias[regression.classes_] = regression.intercept_
    model.get_layer("fusion").set_weights([kernel, bias])
