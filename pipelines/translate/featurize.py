"""featurize: splits without leakage, vocabularies fitted on train, bucketed pair batches.

Splits are drawn over *distinct source sentences* (after ``normalize``): every pair of
one source sentence ("Go." -> "Ve." / "Vete." / "Vaya.") lands in the same split, so a
test source is never seen in training. Training and validation pairs longer than the
length limits are dropped; test pairs are all kept (the translator cuts a long source).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from pipelines.translate.batches import PairDataset
from pipelines.translate.config import TranslateConfig
from pipelines.translate.ingest import TranslateDataError, TranslateRaw
from pipelines.translate.text import END_ID, UNK_ID, Codec, fit_vocabulary, normalize, tokenize


@dataclass
class Split:
    """One split: raw sentences, source tokens, and ragged id arrays of both sides."""

    sources: list[str]
    targets: list[str]
    source_tokens: list[list[str]]
    source_ids: list[np.ndarray]
    target_ids: list[np.ndarray]

    def __len__(self):
        return len(self.sources)


@dataclass
class TranslateFeatures:
    """Splits ``train``/``val``/``test``, the fitted codec, and featurizing stats."""

    splits: dict[str, Split]
    codec: Codec
    dataset: str
    stats: dict[str, float]

    def batches(self, cfg: TranslateConfig, split: str, shuffle: bool = False) -> PairDataset:
        s, f = self.splits[split], cfg.featurize
        return PairDataset(s.source_ids, s.target_ids, batch_size=cfg.train.batch_size,
                           shuffle=shuffle, seed=cfg.train.seed, pool_batches=f.bucket_batches,
                           pad_multiple=f.pad_multiple)


def assign_splits(sources: list[str], test_fraction: float, val_fraction: float,
                  seed: int) -> np.ndarray:
    """``train``/``val``/``test`` per pair, drawn over distinct normalized sources."""
    keys = [normalize(s) for s in sources]
    distinct = sorted(set(keys))
    rng = np.random.default_rng(seed)
    shuffled = [distinct[i] for i in rng.permutation(len(distinct))]
    n_test = max(1, round(len(distinct) * test_fraction))
    n_val = max(1, round(len(distinct) * val_fraction))
    if n_test + n_val >= len(distinct):
        raise TranslateDataError(
            f"{len(distinct)} distinct source sentences are too few to hold out "
            f"test_fraction={test_fraction} and val_fraction={val_fraction}.")
    split_of = dict.fromkeys(shuffled[:n_test], "test")
    split_of.update(dict.fromkeys(shuffled[n_test : n_test + n_val], "val"))
    return np.array([split_of.get(k, "train") for k in keys], dtype=object)


def unigram_entropy(target_ids: list[np.ndarray]) -> float:
    """Entropy (nats) of the target-token distribution, ``</s>`` included: the loss of a
    model that ignores the source and the prefix."""
    counts = Counter()
    for ids in target_ids:
        counts.update(ids.tolist())
    counts[END_ID] += len(target_ids)
    total = sum(counts.values())
    return -sum(c / total * math.log(c / total) for c in counts.values())


def featurize(cfg: TranslateConfig, raw: TranslateRaw) -> TranslateFeatures:
    f = cfg.featurize
    start = time.perf_counter()
    split = assign_splits(raw.sources, f.test_fraction, f.val_fraction, cfg.train.seed)
    source_tokens = [tokenize(s) for s in raw.sources]
    target_tokens = [tokenize(t) for t in raw.targets]
    fits = np.array([len(s) <= f.max_source_length and len(t) <= f.max_target_length
                     for s, t in zip(source_tokens, target_tokens, strict=True)])
    rows = {name: np.flatnonzero((split == name) & (fits | (name == "test")))
            for name in ("train", "val", "test")}
    train = rows["train"]
    codec = Codec(
        fit_vocabulary((source_tokens[i] for i in train), f.source_vocab_size, f.min_count),
        fit_vocabulary((target_tokens[i] for i in train), f.target_vocab_size, f.min_count),
        raw.direction, f.max_source_length,
        max(len(target_tokens[i]) for i in train) if len(train) else f.max_target_length)
    splits = {}
    for name, index in rows.items():
        splits[name] = Split(
            [raw.sources[i] for i in index], [raw.targets[i] for i in index],
            [source_tokens[i][: f.max_source_length] for i in index],
            [np.asarray(codec.source.ids(source_tokens[i][: f.max_source_length]), "int32")
             for i in index],
            [np.asarray(codec.target.ids(target_tokens[i]), "int32") for i in index])
    seconds = time.perf_counter() - start
    tr = splits["train"]
    source_all = np.concatenate(tr.source_ids) if len(tr) else np.zeros(0, "int32")
    target_all = np.concatenate(tr.target_ids) if len(tr) else np.zeros(0, "int32")
    test_sources = np.concatenate(splits["test"].source_ids)
    stats = {
        "source_vocab_size": len(codec.source), "target_vocab_size": len(codec.target),
        "train_unk_share_source": float(np.mean(source_all == UNK_ID)),
        "train_unk_share_target": float(np.mean(target_all == UNK_ID)),
        "test_unk_share_source": float(np.mean(test_sources == UNK_ID)),
        "target_unigram_entropy": unigram_entropy(tr.target_ids),
        "dropped_long_pairs": int(((split != "test") & ~fits).sum()),
        "featurize_s": seconds,
        "pairs_per_s": len(raw.sources) / max(seconds, 1e-9),
        **{f"{name}_pairs": len(s) for name, s in splits.items()},
        "test_distinct_sources": len(set(splits["test"].sources)),
    }
    return TranslateFeatures(splits, codec, raw.dataset, stats)
