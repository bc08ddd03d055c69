"""featurize: splits without leakage, a codec fitted on train, bucketed pair batches.

Splits are drawn over *distinct source sentences* (after ``normalize``): every pair of
one source sentence ("Go." -> "Ve." / "Vete." / "Vaya.") lands in the same split, so a
test source is never seen in training. The codec (`featurize.tokenizer`: SentencePiece
subwords with copy tags, or words) is fitted on the training pairs only. Training and
validation pairs longer than the length limits (in the codec's tokens) are dropped;
test pairs are all kept (the translator cuts a long source).
"""

from __future__ import annotations

import array
import math
import time
from collections import Counter
from dataclasses import dataclass

import numpy as np

from pipelines.core.mapped import Ragged, Texts
from pipelines.translate.batches import PairDataset
from pipelines.translate.codec import END_ID, UNK_ID, Codec
from pipelines.translate.config import TranslateConfig
from pipelines.translate.ingest import TranslateDataError, TranslateRaw
from pipelines.translate.subwords import SubwordCodec
from pipelines.translate.text import WordCodec, fit_vocabulary, normalize, tokenize


@dataclass
class Split:
    """One split: raw sentences and ragged id arrays of both sides, all written once and
    memory-mapped (`pipelines.core.mapped`)."""

    sources: Texts
    targets: Texts
    source_ids: Ragged
    target_ids: Ragged

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


def fit_codec(cfg: TranslateConfig, raw: TranslateRaw, train: np.ndarray) -> Codec:
    """The codec of ``featurize.tokenizer``, fitted on the training pairs ``train``."""
    f = cfg.featurize
    sources = [raw.sources[i] for i in train]
    targets = [raw.targets[i] for i in train]
    if f.tokenizer == "word":
        return WordCodec(
            fit_vocabulary((tokenize(s) for s in sources), f.source_vocab_size, f.min_count),
            fit_vocabulary((tokenize(t) for t in targets), f.target_vocab_size, f.min_count),
            raw.direction, f.max_source_length, f.max_target_length)
    return SubwordCodec.fit(sources, targets, raw.direction,
                            source_vocab_size=f.source_vocab_size,
                            target_vocab_size=f.target_vocab_size, model_type=f.subword_model,
                            max_copies=f.max_copies, max_source_length=f.max_source_length,
                            max_target_length=f.max_target_length)


def encode_pairs(codec: Codec, raw: TranslateRaw,
                 max_source_length: int) -> tuple[Ragged, Ragged, np.ndarray]:
    """Every pair's source ids (cut at ``max_source_length``) and target ids, and each
    source's length before the cut; pair by pair into flat buffers, so no Python object
    per pair outlives its turn."""
    sources, targets = array.array("i"), array.array("i")
    source_lengths, cut_lengths, target_lengths = (array.array("q") for _ in range(3))
    for source, target in zip(raw.sources, raw.targets, strict=True):
        encoded = codec.encode_source(source)
        ids = encoded.ids[:max_source_length]
        target = codec.encode_target(target, encoded.copies)
        sources.extend(ids)
        targets.extend(target)
        source_lengths.append(len(encoded))
        cut_lengths.append(len(ids))
        target_lengths.append(len(target))
    return (Ragged.from_lengths(np.frombuffer(sources, "int32"), cut_lengths),
            Ragged.from_lengths(np.frombuffer(targets, "int32"), target_lengths),
            np.frombuffer(source_lengths, "int64"))


def featurize(cfg: TranslateConfig, raw: TranslateRaw) -> TranslateFeatures:
    f = cfg.featurize
    start = time.perf_counter()
    split = assign_splits(raw.sources, f.test_fraction, f.val_fraction, cfg.train.seed)
    codec = fit_codec(cfg, raw, np.flatnonzero(split == "train"))
    source_ids, target_ids, source_lengths = encode_pairs(codec, raw, f.max_source_length)
    fits = ((source_lengths <= f.max_source_length)
            & (target_ids.lengths() <= f.max_target_length))
    rows = {name: np.flatnonzero((split == name) & (fits | (name == "test")))
            for name in ("train", "val", "test")}
    train = rows["train"]
    if len(train):
        codec.max_target_length = int(target_ids.lengths()[train].max())
    splits = {}
    for name, index in rows.items():
        splits[name] = Split(
            raw.sources.take(index), raw.targets.take(index),
            source_ids.take(index).mapped(), target_ids.take(index).mapped())
    seconds = time.perf_counter() - start
    tr = splits["train"]
    source_all, target_all = tr.source_ids.values, tr.target_ids.values
    test_sources = splits["test"].source_ids.values
    stats = {
        "source_vocab_size": codec.source_size, "target_vocab_size": codec.target_size,
        "train_source_tokens_mean": float(len(source_all) / max(len(tr), 1)),
        "train_target_tokens_mean": float(len(target_all) / max(len(tr), 1)),
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
