"""BagLinear against NumPy: padding reads nothing, the scale multiplies each id's row, and
a classifier with the n-gram channel saves and reloads identically."""

import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.layers import BagLinear
from rnnkit.models import build_classifier


def test_scores_are_the_scaled_sum_of_the_bags_rows():
    rng = np.random.default_rng(0)
    layer = BagLinear(12, 3, kernel_initializer="random_normal")
    ids = np.array([[4, 7, 11, 0, 0], [1, 2, 3, 5, 6], [0, 0, 0, 0, 0]])
    layer(ids)
    scale = rng.uniform(-2, 2, size=12).astype("float32")
    layer.set_scale(scale)
    layer.bias.assign(np.array([0.5, -1.0, 0.25], "float32"))
    kernel = np.asarray(layer.kernel)
    expected = np.stack([
        sum((scale[j] * kernel[j] for j in row if j), np.zeros(3)) for row in ids]) + [
        0.5, -1.0, 0.25]
    np.testing.assert_allclose(np.asarray(layer(ids)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(ids))[2], [0.5, -1.0, 0.25])  # empty bag


def test_arguments_and_scale_shape_are_checked():
    with pytest.raises(ValueError, match="num_ids"):
        BagLinear(0, 2)
    layer = BagLinear(5, 2)
    layer(np.array([[1, 2]]))
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        layer.set_scale(np.ones(4, "float32"))


def test_the_scale_is_not_trained_and_the_kernel_is():
    layer = BagLinear(8, 2)
    layer(np.array([[1]]))
    assert [w.name for w in layer.trainable_weights] == ["kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["scale"]


def test_a_wide_and_deep_classifier_saves_and_reloads_identically(tmp_path):
    rng = np.random.default_rng(1)
    model = build_classifier(2, vocab_size=30, embedding_dim=8, units=4, pooling="mean_max",
                             ngram_buckets=40)
    ngram_layer = model.get_layer("ngram_logits")
    ngram_layer.set_scale(rng.normal(size=41).astype("float32"))
    ngram_layer.kernel.assign(rng.normal(size=(41, 2)).astype("float32"))
    x = {"tokens": rng.integers(1, 30, size=(4, 9)), "ngrams": rng.integers(1, 41, size=(4, 6))}
    x["tokens"][1, 5:] = 0
    x["ngrams"][2, 3:] = 0
    reloaded = save_and_reload(model, tmp_path)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(np.asarray(reloaded.get_layer("ngram_logits").scale),
                                  np.asarray(ngram_layer.scale))


def test_the_wide_part_learns_what_word_order_hides_from_a_bag_of_words():
    """Texts of the same two words; the label is their order, which only the bigram id
    (given in the bag) tells. The recurrent path is a 1-unit GRU, too small alone."""
    rng = np.random.default_rng(0)
    n = 512
    label = rng.integers(0, 2, size=n)
    tokens = np.where(label[:, None] == 1, [[3, 4]], [[4, 3]])
    bags = np.stack([np.where(label == 1, 10, 11), np.full(n, 3), np.full(n, 4)], axis=1)
    keras.utils.set_random_seed(0)
    model = build_classifier(2, vocab_size=6, embedding_dim=2, units=1, bidirectional=False,
                             ngram_buckets=12)
    model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    model.fit({"tokens": tokens, "ngrams": bags}, label, batch_size=64, epochs=5, verbose=0)
    predicted = model.predict({"tokens": tokens, "ngrams": bags}, verbose=0).argmax(1)
    assert np.mean(predicted == label) == 1.0
