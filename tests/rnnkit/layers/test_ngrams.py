"""Hashed bigrams against NumPy, padding kept as padding, and the word order a bag of
bigrams sees that a bag of words cannot."""

import keras
import numpy as np
import pytest

from rnnkit.layers import HashedBigrams


def test_ids_match_numpy_and_padding_stays_zero():
    ids = np.array([[5, 7, 2, 0, 0], [3, 3, 9, 4, 1]])
    out = np.asarray(HashedBigrams(10, 13)(ids))
    v, k = 10, 13
    expected = []
    for row in ids:
        bigrams = [0 if a == 0 or b == 0 else v + (a * v + b) % k
                   for a, b in zip(row[:-1], row[1:], strict=True)]
        expected.append(list(row) + bigrams)
    np.testing.assert_array_equal(out, expected)
    assert out.shape == (2, 9) and out.max() < v + k


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="at most 46340"):
        HashedBigrams(50_000, 8)
    with pytest.raises(ValueError):
        HashedBigrams(100, 0)


def _ordered_pairs(n, rng):
    """Sequences holding words 3 and 4 once each among fillers; label 1 iff 3 comes
    directly before 4 (the same words, so the same bag of words, either way)."""
    x = rng.integers(5, 20, size=(n, 8))
    y = rng.integers(0, 2, size=n)
    for row, label in zip(x, y, strict=True):
        at = rng.integers(0, 7)
        row[at], row[at + 1] = (3, 4) if label else (4, 3)
    return x, y


def test_bigrams_see_the_order_a_bag_of_words_cannot():
    rng = np.random.default_rng(0)
    x, y = _ordered_pairs(1024, rng)
    tx, ty = _ordered_pairs(500, rng)
    accuracy = {}
    for bigrams in (False, True):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((None,), dtype="int32")
        grams = HashedBigrams(20, 512)(inputs) if bigrams else inputs
        bag = keras.layers.Embedding(20 + 512, 8, mask_zero=True)(grams)
        outputs = keras.layers.Dense(2, activation="softmax")(
            keras.layers.GlobalAveragePooling1D()(bag))
        model = keras.Model(inputs, outputs)
        model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=128, epochs=12, verbose=0)
        accuracy[bigrams] = float(np.mean(model.predict(tx, verbose=0).argmax(1) == ty))
    assert accuracy[False] < 0.6  # chance: the bags are identical
    assert accuracy[True] > 0.95, accuracy
