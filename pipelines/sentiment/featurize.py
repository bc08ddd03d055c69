"""featurize: a vocabulary fitted on the training texts, token ids, length-bucketed batches.

The validation split is carved (stratified, seeded) from the training split; the
vocabulary, and with an n-gram channel (`model.ngram_buckets`) the naive-Bayes scale of
every n-gram (`ngrams.nb_ratios`), see only the remaining training texts. Sequences
stay ragged (`pipelines.core.mapped.Ragged`: one flat array of ids and the offsets of
each text, written once and memory-mapped) until a ``TokenBatches`` pads each batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pipelines.core.mapped import Ragged
from pipelines.sentiment.batches import TokenBatches
from pipelines.sentiment.config import SentimentConfig
from pipelines.sentiment.ingest import SentimentRaw
from pipelines.sentiment.ngrams import nb_ratios
from pipelines.sentiment.text import UNK_ID, TextEncoder


@dataclass
class Split:
    """One split: raw texts, their token ids (ragged), class ids, and the n-gram bag of
    each text when the model has an n-gram channel."""

    texts: list[str]
    ids: Ragged
    labels: np.ndarray
    bags: Ragged | None = None

    def __len__(self):
        return len(self.texts)


@dataclass
class SentimentFeatures:
    """Splits ``train``/``val``/``test``, the fitted encoder, featurizing stats, and the
    n-gram scale (`BagLinear.set_scale`) fitted on the training split."""

    splits: dict[str, Split]
    encoder: TextEncoder
    dataset: str
    stats: dict[str, float]
    ngram_scale: np.ndarray | None = None

    @property
    def labels(self) -> list[str]:
        return self.encoder.labels

    def batches(self, cfg: SentimentConfig, split: str, shuffle: bool = False):
        s, f = self.splits[split], cfg.featurize
        return TokenBatches(s.ids, s.labels, batch_size=cfg.train.batch_size,
                            shuffle=shuffle, seed=cfg.train.seed,
                            bucket_batches=f.bucket_batches, pad_multiple=f.pad_multiple,
                            word_dropout=cfg.train.word_dropout if shuffle else 0.0,
                            bags=s.bags)


def carve_validation(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of rows held out for validation: ``fraction`` of each class."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        mask[rows[: max(1, int(round(len(rows) * fraction)))]] = True
    return mask


def featurize(cfg: SentimentConfig, raw: SentimentRaw) -> SentimentFeatures:
    f = cfg.featurize
    frame = raw.frame
    train_rows = frame[frame["split"] == "train"]
    labels = train_rows["label"].to_numpy()
    val = carve_validation(labels, f.val_fraction, cfg.train.seed)
    parts = {
        "train": (train_rows["text"].to_numpy()[~val], labels[~val]),
        "val": (train_rows["text"].to_numpy()[val], labels[val]),
        "test": (frame.loc[frame["split"] == "test", "text"].to_numpy(),
                 frame.loc[frame["split"] == "test", "label"].to_numpy()),
    }
    start = time.perf_counter()
    m = cfg.model
    encoder = TextEncoder.fit(parts["train"][0], f.vocab_size, f.min_count, f.max_length,
                              f.head_fraction, raw.labels, m.ngram_order, m.ngram_buckets)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    splits = {name: Split(list(texts), _mapped(encoder.encode(texts)), y.astype("int32"),
                          _mapped(encoder.bags(texts)))
              for name, (texts, y) in parts.items()}
    encode_s = time.perf_counter() - start
    scale = None
    if encoder.has_bag:
        train = splits["train"]
        scale = nb_ratios(train.bags, train.labels, encoder.ngram_buckets, len(raw.labels))
    n_texts = sum(len(s) for s in splits.values())
    tokens = np.concatenate([s.ids.values for s in splits.values()])
    stats = {
        "vocab_size": encoder.vocab_size,
        "vocab_fit_s": fit_s,
        "vectorize_s": encode_s,
        "vectorize_texts_per_s": n_texts / max(encode_s, 1e-9),
        **({"mean_ngrams": float(np.mean(splits["train"].bags.lengths()))}
           if encoder.has_bag else {}),
        "unk_share": float(np.mean(tokens == UNK_ID)) if len(tokens) else 0.0,
        "mean_length": float(len(tokens) / max(n_texts, 1)),
        **{f"{name}_texts": len(s) for name, s in splits.items()},
    }
    return SentimentFeatures(splits, encoder, raw.dataset, stats, scale)


def _mapped(rows: list[np.ndarray] | None) -> Ragged | None:
    return None if rows is None else Ragged.from_rows(rows).mapped()
