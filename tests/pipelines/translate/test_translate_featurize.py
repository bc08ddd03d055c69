"""Featurize: no source sentence spans two splits, vocabularies from train, batches."""

import math
from collections import Counter

import numpy as np
import pytest

from pipelines.translate.featurize import assign_splits, featurize, unigram_entropy
from pipelines.translate.ingest import ingest
from pipelines.translate.text import END_ID, START_ID


def test_identical_sources_never_span_splits():
    sources = [f"Sentence {i % 40}." for i in range(400)] + ["Sentence  1. "] * 5
    split = assign_splits(sources, 0.2, 0.1, seed=0)
    by_source = {}
    for s, name in zip(sources, split, strict=True):
        by_source.setdefault(" ".join(s.split()), set()).add(name)
    assert all(len(names) == 1 for names in by_source.values())
    assert {"train", "val", "test"} == set(split)


def test_featurize_fits_on_train_and_batches_teacher_forcing(write_pairs, make_cfg):
    pairs = [(f"Tom has {w} cats.", f"Tom tiene {w} gatos.") for w in
             ("two", "three", "four", "five", "six", "seven", "eight", "nine")] * 3
    pairs += [("I see.", "Ya veo."), ("Go.", "Ve."), ("Go.", "Vete."), ("Hi.", "Hola.")] * 3
    cfg = make_cfg(data={"source": f"file:{write_pairs(pairs)}"},
                   featurize={"test_fraction": 0.25, "val_fraction": 0.1},
                   train={"batch_size": 4})
    features = featurize(cfg, ingest(cfg))
    train, test = features.splits["train"], features.splits["test"]
    assert not set(train.sources) & set(test.sources)
    train_tokens = {t for s in train.targets for t in s.replace(".", " .").split()}
    assert set(features.codec.target.tokens[4:]) == train_tokens  # fitted on train only
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


def test_unigram_entropy_matches_counting():
    ids = [np.array([4, 4, 5]), np.array([6])]
    counts = Counter([4, 4, 5, 6, END_ID, END_ID])
    expected = -sum(c / 6 * math.log(c / 6) for c in counts.values())
    assert unigram_entropy(ids) == pytest.approx(expected)
