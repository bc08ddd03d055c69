"""Featurize: no source sentence spans two splits, codecs fitted on train, batches."""

import math
from collections import Counter

import numpy as np
import pytest

from pipelines.translate.codec import END_ID, START_ID, UNK_ID
from pipelines.translate.featurize import assign_splits, featurize, fit_codec, unigram_entropy
from pipelines.translate.ingest import ingest
from pipelines.translate.subwords import SubwordCodec
from pipelines.translate.text import WordCodec


def test_identical_sources_never_span_splits():
    sources = [f"Sentence {i % 40}." for i in range(400)] + ["Sentence  1. "] * 5
    split = assign_splits(sources, 0.2, 0.1, seed=0)
    by_source = {}
    for s, name in zip(sources, split, strict=True):
        by_source.setdefault(" ".join(s.split()), set()).add(name)
    assert all(len(names) == 1 for names in by_source.values())
    assert {"train", "val", "test"} == set(split)


PAIRS = [(f"Tom has {w} cats.", f"Tom tiene {w} gatos.") for w in
         ("two", "three", "four", "five", "six", "seven", "eight", "nine")] * 3
PAIRS += [("I see.", "Ya veo."), ("Go.", "Ve."), ("Go.", "Vete."), ("Hi.", "Hola.")] * 3


@pytest.mark.parametrize("tokenizer", ["subword", "word"])
def test_featurize_fits_on_train_and_batches_teacher_forcing(write_pairs, make_cfg, tokenizer):
    cfg = make_cfg(data={"source": f"file:{write_pairs(PAIRS)}"},
                   featurize={"test_fraction": 0.25, "val_fraction": 0.1,
                              "tokenizer": tokenizer},
                   train={"batch_size": 4})
    features = featurize(cfg, ingest(cfg))
    train, test = features.splits["train"], features.splits["test"]
    assert not set(train.sources) & set(test.sources)
    codec = features.codec
    assert isinstance(codec, SubwordCodec if tokenizer == "subword" else WordCodec)
    if tokenizer == "word":
        train_tokens = {t for s in train.targets for t in s.replace(".", " .").split()}
        assert set(codec.target.tokens[4:]) == train_tokens  # fitted on train only
    else:  # "Tom" (a name: never lower-case) is copied, a tag in its targets
        tag_id = codec.target.processor.piece_to_id("｟1｠")
        for source, ids in zip(train.sources, train.target_ids, strict=True):
            assert (tag_id in ids) == source.startswith("Tom") and UNK_ID not in ids
    entropy = features.stats["target_unigram_entropy"]
    assert entropy == pytest.approx(unigram_entropy(train.target_ids))
    data = features.batches(cfg, "train", shuffle=True)
    x, y = data[0]
    assert x["source"].dtype == np.int32 and x["target_in"].shape == y.shape
    np.testing.assert_array_equal(x["target_in"][:, 0], START_ID)
    for row in range(len(y)):  # y is target_in shifted by one, ending in </s>
        n = int((y[row] != 0).sum())
        assert y[row, n - 1] == END_ID
        np.testing.assert_array_equal(x["target_in"][row, 1:n], y[row, : n - 1])


@pytest.mark.parametrize("tokenizer", ["subword", "word"])
def test_codecs_are_fitted_on_the_rows_given(write_pairs, make_cfg, tokenizer):
    pairs = [("I see.", "Ya veo."), ("Go.", "Ve."), ("Hi.", "Hola.")] * 4
    pairs += [("Thanks.", "Gracias ñuñu.")]  # "ñ" only in a row left out of training
    cfg = make_cfg(data={"source": f"file:{write_pairs(pairs)}"},
                   featurize={"tokenizer": tokenizer})
    raw = ingest(cfg)
    codec = fit_codec(cfg, raw, np.arange(len(pairs) - 1))
    ids = codec.encode_target("Gracias ñuñu.", [])
    assert UNK_ID in ids
    assert UNK_ID not in codec.encode_target("Ya veo.", [])
    assert codec.encode_source("I see.").ids and UNK_ID in codec.encode_source("Thanks.").ids


def test_unigram_entropy_matches_counting():
    ids = [np.array([4, 4, 5]), np.array([6])]
    counts = Counter([4, 4, 5, 6, END_ID, END_ID])
    expected = -sum(c / 6 * math.log(c / 6) for c in counts.values())
    assert unigram_entropy(ids) == pytest.approx(expected)


def test_splits_are_mapped_and_batch_as_held_in_memory(write_pairs, make_cfg, monkeypatch):
    """Sentences and ids are written once and memory-mapped (`pipelines.core.mapped`);
    batches equal those of the same splits held in memory."""
    from pipelines.core.mapped import Ragged, Texts, is_mapped

    cfg = make_cfg(data={"source": f"file:{write_pairs(PAIRS)}"},
                   featurize={"test_fraction": 0.25, "val_fraction": 0.1,
                              "tokenizer": "word"}, train={"batch_size": 4})
    raw = ingest(cfg)
    assert isinstance(raw.sources, Texts) and is_mapped(raw.sources.rows.values)
    assert list(raw.sources) == [s for s, _ in PAIRS] and raw.targets == [t for _, t in PAIRS]
    mapped = featurize(cfg, raw)
    monkeypatch.setenv("RNNKIT_SCRATCH", "memory")
    held = featurize(cfg, ingest(cfg))
    for name, split in mapped.splits.items():
        other = held.splits[name]
        assert isinstance(split.source_ids, Ragged) and is_mapped(split.target_ids.values)
        assert is_mapped(split.sources.rows.values) and not is_mapped(other.source_ids.values)
        assert split.sources == list(other.sources) and split.targets == list(other.targets)
        a = mapped.batches(cfg, name, shuffle=True)
        b = held.batches(cfg, name, shuffle=True)
        for i in range(len(a)):
            (xa, ya), (xb, yb) = a[i], b[i]
            np.testing.assert_array_equal(ya, yb)
            for key in ("source", "target_in"):
                np.testing.assert_array_equal(xa[key], xb[key])
