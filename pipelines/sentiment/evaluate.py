"""evaluate: the model and its baselines on the same test texts."""

from __future__ import annotations

import math
import time

import numpy as np

from pipelines.core import plots
from pipelines.core.bucketing import predict_in_order
from pipelines.core.mapped import row_lengths
from pipelines.core.types import Report
from pipelines.sentiment import baselines
from pipelines.sentiment.batches import TokenBatches, predict_proba
from pipelines.sentiment.config import SentimentConfig
from pipelines.sentiment.explain import explanations_table
from pipelines.sentiment.featurize import SentimentFeatures
from pipelines.sentiment.train import Trained
from rnnkit.models import classifier_paths

METRICS = ("accuracy", "f1", "roc_auc")


def evaluate(cfg: SentimentConfig, trained: Trained, features: SentimentFeatures) -> Report:
    train, test = features.splits["train"], features.splits["test"]
    k = len(features.labels)
    start = time.perf_counter()
    probs = predict_proba(trained.model, test.ids, pad_multiple=cfg.featurize.pad_multiple,
                          bags=test.bags)
    predict_s = time.perf_counter() - start

    e = cfg.evaluate
    start = time.perf_counter()
    tfidf = baselines.tfidf_logistic(train.texts, train.labels, test.texts, k,
                                     e.tfidf_max_features, e.tfidf_ngrams, e.tfidf_c,
                                     cfg.train.seed)
    tfidf_s = time.perf_counter() - start
    model_metrics = baselines.classification_metrics(test.labels, probs)
    paths = path_metrics(trained.model, features, cfg, test)
    baseline_metrics = {
        "majority": baselines.classification_metrics(
            test.labels, baselines.majority(train.labels, len(test), k)),
        "tfidf_logreg": baselines.classification_metrics(test.labels, tfidf),
    }
    if k == 2:  # NBSVM's scale is defined for two classes
        nb = baselines.nb_logistic(train.texts, train.labels, test.texts, e.nb_ngrams,
                                   seed=cfg.train.seed)
        baseline_metrics["nb_logreg"] = baselines.classification_metrics(test.labels, nb)
    epochs = trained.epochs_run
    train_tokens = int(row_lengths(train.ids).sum())
    return Report(
        model_metrics=model_metrics,
        baselines=baseline_metrics,
        dataset=features.dataset,
        figures={
            "confusion_matrix": plots.confusion_matrix(plots.confusion_counts(
                test.labels, probs.argmax(axis=1), k), features.labels),
            "training_curves": plots.training_curves(trained.history, ("loss", "accuracy")),
        },
        tables={"summary": summary(model_metrics, baseline_metrics, features, cfg, paths),
                "explanations": explanations_table(trained.model, features.encoder,
                                                   test.texts, test.labels, probs)},
        artifacts={"text_encoder": features.encoder.to_dict()},
        throughput={
            "train_texts_per_s": len(train) * epochs / max(trained.seconds, 1e-9),
            "train_tokens_per_s": train_tokens * epochs / max(trained.seconds, 1e-9),
            "predict_texts_per_s": len(test) / max(predict_s, 1e-9),
            "vectorize_texts_per_s": features.stats["vectorize_texts_per_s"],
        },
        extra_metrics={**{f"featurize/{k}": v for k, v in features.stats.items()},
                       "epochs_run": epochs, "best_epoch": trained.best_epoch,
                       "train_seconds": trained.seconds, "tfidf_seconds": tfidf_s,
                       "test_texts": len(test),
                       **{f"{path}_path_{k}": v for path, m in paths.items()
                          for k, v in m.items()}},
        tags={"cell": cfg.model.cell, "pooling": cfg.model.pooling,
              "bidirectional": str(cfg.model.bidirectional), "labels": ",".join(features.labels)},
        params={"data.labels": list(features.labels)},
    )


def path_metrics(model, features: SentimentFeatures, cfg, test) -> dict[str, dict]:
    """Test metrics of each path of a two-path classifier on its own (`deep`: the
    recurrent path, `wide`: the n-gram path); `{}` for a one-path model."""
    if not features.encoder.has_bag:
        return {}
    z = predict_in_order(classifier_paths(model)["logits"],
                         TokenBatches(test.ids, batch_size=128, bags=test.bags,
                                      pad_multiple=cfg.featurize.pad_multiple))
    k = len(features.labels)
    return {path: baselines.classification_metrics(test.labels, _softmax(part))
            for path, part in (("deep", z[:, :k]), ("wide", z[:, k:]))}


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def summary(model_metrics, baseline_metrics, features: SentimentFeatures, cfg,
            paths=None) -> str:
    """Markdown: model (and each of its paths alone) vs baselines on the test split."""
    names = [m for m in METRICS if m in model_metrics]
    header = ("| classifier | " + " | ".join(names) + " |\n"
              "|---|" + "---:|" * len(names) + "\n")
    shown = {"deep": "model: recurrent path alone", "wide": "model: n-gram path alone"}
    rows = [("model", model_metrics), *((shown[p], m) for p, m in (paths or {}).items()),
            *baseline_metrics.items()]
    body = "".join(
        f"| {name} | " + " | ".join(_fmt(m.get(k)) for k in names) + " |\n"
        for name, m in rows)
    s, m = features.stats, cfg.model
    direction = "bidirectional " if m.bidirectional else ""
    return (
        f"Test split of {features.dataset}: {len(features.splits['test'])} texts, "
        f"{len(features.labels)} classes ({', '.join(features.labels)}).\n\n" + header + body
        + f"\n- model: embedding {m.embedding_dim} + {direction}{m.cell} {m.units}, "
        f"{m.pooling} pooling; vocabulary {int(s['vocab_size'])} words fitted on "
        f"{len(features.splits['train'])} training texts, max length "
        f"{cfg.featurize.max_length} tokens.\n"
        + _channel(cfg, features) +
        f"- tfidf_logreg: TF-IDF word 1..{cfg.evaluate.tfidf_ngrams}-grams + logistic "
        f"regression, fitted on the same training texts.\n"
        + (f"- nb_logreg: NBSVM's linear model (Wang & Manning 2012): naive-Bayes-scaled "
           f"binary word 1..{cfg.evaluate.nb_ngrams}-grams + logistic regression, fitted "
           f"on the same training texts.\n" if len(features.labels) == 2 else "")
        + f"- vectorizing {int(sum(len(x) for x in features.splits.values()))} texts took "
        f"{s['vectorize_s']:.2f} s.\n")


def _channel(cfg, features: SentimentFeatures) -> str:
    m, enc = cfg.model, features.encoder
    if not enc.has_bag:
        return ""
    scale = "naive-Bayes-scaled " if len(features.labels) == 2 else ""
    return (f"- the model has two paths: the recurrent one, and a linear model over the "
            f"{scale}binary word 1..{m.ngram_order}-grams of the whole text (hashed into "
            f"{m.ngram_buckets} buckets, a mean of {features.stats['mean_ngrams']:.0f} per "
            f"training text); each is trained alone, then a logistic regression on the "
            f"validation texts mixes their logits (the rows 'path alone' score each).\n")


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4f}"
