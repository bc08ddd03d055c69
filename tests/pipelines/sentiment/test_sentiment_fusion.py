"""The stacked two-path classifier: the fusion fitted on validation texts leans on the path
that knows the labels, and a small validation split keeps the sum of the paths."""

import numpy as np

from pipelines.sentiment.batches import TokenBatches
from pipelines.sentiment.train import MIN_FUSION_TEXTS, OnePath, fit_fusion
from rnnkit.models import build_classifier, classifier_paths


def two_path_model(buckets=50):
    model = build_classifier(2, vocab_size=20, embedding_dim=4, units=3, ngram_buckets=buckets)
    kernel = np.zeros((buckets + 1, 2), "float32")
    kernel[1], kernel[2] = [0.0, 0.8], [0.8, 0.0]  # id 1 says positive, id 2 negative
    model.get_layer("ngram_logits").kernel.assign(kernel)
    return model


def val_batches(n, rng):
    labels = rng.integers(0, 2, n)
    tokens = [rng.integers(1, 20, rng.integers(3, 9)).astype("int32") for _ in range(n)]
    noisy = np.where(rng.random(n) < 0.85, labels, 1 - labels)  # 85 % right
    bags = [np.array([1 if y else 2, 7], "int32") for y in noisy]
    return TokenBatches(tokens, labels, batch_size=16, bags=bags), labels


def test_the_fusion_leans_on_the_path_that_knows_the_labels():
    rng = np.random.default_rng(0)
    model = two_path_model()
    val, labels = val_batches(400, rng)
    fit_fusion(model, classifier_paths(model)["logits"], val, labels, seed=0)
    kernel, bias = model.get_layer("fusion").get_weights()
    wide_weight = kernel[2:, 1] @ [-1, 1]  # log-odds per unit of the wide path's margin
    deep_weight = kernel[:2, 1] @ [-1, 1]
    assert wide_weight > 1.0 and abs(deep_weight) < wide_weight / 3
    predicted = model.predict(val, verbose=0).argmax(1)
    assert np.mean(predicted == labels[val.order]) > 0.8


def test_a_small_validation_split_keeps_the_sum_of_the_paths():
    rng = np.random.default_rng(1)
    model = two_path_model()
    val, labels = val_batches(2 * MIN_FUSION_TEXTS - 4, rng)
    labels[:] = 0
    labels[: MIN_FUSION_TEXTS - 1] = 1  # one class short of the minimum
    fit_fusion(model, classifier_paths(model)["logits"], val, labels, seed=0)
    kernel, bias = model.get_layer("fusion").get_weights()
    np.testing.assert_array_equal(kernel, [[1, 0], [0, 1], [1, 0], [0, 1]])
    assert not bias.any()


def test_one_path_batches_hold_one_input():
    rng = np.random.default_rng(2)
    val, labels = val_batches(40, rng)
    x, y = OnePath(val, "ngrams")[0]
    assert x.shape[0] == len(y) and x.dtype == np.int32 and set(np.unique(x)) <= {0, 1, 2, 7}
