"""The n-gram channel's inputs: hashed n-gram ids of a whole text against a by-hand
computation, their naive-Bayes scale against its formula, the encoder's bags saved and
read back, and batches that carry both inputs."""

import zlib

import numpy as np
import pytest

from pipelines.sentiment.batches import BAG_PAD, TokenBatches
from pipelines.sentiment.ngrams import nb_ratios, ngram_ids
from pipelines.sentiment.text import TextEncoder

MASK = (1 << 64) - 1
PRIME = 0x100000001B3


def by_hand(words, order, buckets):
    h = [zlib.crc32(w.encode()) for w in words]
    ids = set()
    for n in range(1, order + 1):
        for i in range(len(words) - n + 1):
            g = h[i]
            for k in range(1, n):
                g = (g * PRIME + h[i + k]) & MASK
            ids.add(1 + g % buckets)
    return sorted(ids)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_ids_are_the_distinct_hashed_ngrams_in_one_to_buckets(order):
    words = "not good , not good at all ! é".split()
    ids = ngram_ids(words, order, 1000)
    assert ids.tolist() == by_hand(words, order, 1000)
    assert ids.dtype == np.int32 and ids.min() >= 1 and ids.max() <= 1000
    assert ngram_ids([], order, 1000).shape == (0,)
    assert ngram_ids(["solo"], order, 1000).tolist() == by_hand(["solo"], 1, 1000)


def test_bigrams_tell_word_order_apart():
    assert ngram_ids(["not", "good"], 1, 2**20).tolist() == ngram_ids(["good", "not"], 1,
                                                                       2**20).tolist()
    assert ngram_ids(["not", "good"], 2, 2**20).tolist() != ngram_ids(["good", "not"], 2,
                                                                      2**20).tolist()


def test_nb_ratios_follow_the_formula():
    bags = [np.array([1, 2]), np.array([2, 3]), np.array([3]), np.array([1, 3])]
    labels = np.array([1, 1, 0, 0])
    r = nb_ratios(bags, labels, buckets=4, num_classes=2)
    p = 1 + np.array([0, 1, 2, 1, 0], float)  # counts of ids 0..4 in positive texts
    q = 1 + np.array([0, 1, 0, 2, 0], float)
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    expected[0] = 0
    np.testing.assert_allclose(r, expected, rtol=1e-6)
    assert r[2] > 0 > r[3]  # id 2 only in positive texts, id 3 mostly negative
    assert np.all(nb_ratios(bags, np.array([0, 1, 2, 0]), 4, num_classes=3) == 1)


def test_the_encoder_bags_the_whole_text_and_round_trips(tmp_path):
    texts = ["Not good. Not good at all!", "A great, great film"]
    encoder = TextEncoder.fit(texts, vocab_size=50, max_length=3, labels=["neg", "pos"],
                              ngram_order=2, ngram_buckets=4096)
    assert encoder.encode_one(texts[0]).shape == (3,)  # the recurrent input is cut ...
    bag = encoder.bags(texts)[0]  # ... the bag is not: "at all" is in it
    assert set(ngram_ids(["at", "all"], 2, 4096)) <= set(bag)
    path = tmp_path / "encoder.json"
    encoder.save(path)
    back = TextEncoder.load(path)
    assert back.has_bag and [b.tolist() for b in back.bags(texts)] == [
        b.tolist() for b in encoder.bags(texts)]
    plain = TextEncoder.fit(texts, vocab_size=50)
    assert not plain.has_bag and plain.bags(texts) is None
    old = plain.to_dict()  # an encoder saved before the n-gram channel existed
    del old["ngram_order"], old["ngram_buckets"]
    assert not TextEncoder.from_dict(old).has_bag


def test_batches_carry_tokens_and_bags_padded_on_their_own():
    rng = np.random.default_rng(0)
    seqs = [np.arange(2, k + 2, dtype="int32") for k in rng.integers(1, 60, size=40)]
    bags = [np.sort(rng.choice(np.arange(1, 999), k, replace=False)).astype("int32")
            for k in rng.integers(1, 300, size=40)]
    labels = rng.integers(0, 2, 40)
    data = TokenBatches(seqs, labels, batch_size=8, shuffle=True, seed=2, bags=bags)
    for index in range(len(data)):
        x, y = data[index]
        rows = data.batches[index]
        np.testing.assert_array_equal(y, labels[rows])
        assert x["ngrams"].shape[1] % BAG_PAD in (0, 16)  # batch 1 is freed one step wider
        for r, tokens, bag in zip(rows, x["tokens"], x["ngrams"], strict=True):
            np.testing.assert_array_equal(tokens[: len(seqs[r])], seqs[r])
            np.testing.assert_array_equal(bag[: len(bags[r])], bags[r])
            assert not bag[len(bags[r]):].any()
