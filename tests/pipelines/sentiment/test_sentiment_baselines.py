"""Metrics and baselines: majority class, TF-IDF + logistic regression, NB + logistic
regression."""

import numpy as np
import pytest

from pipelines.sentiment.baselines import (
    classification_metrics,
    majority,
    nb_logistic,
    tfidf_logistic,
)


def test_binary_metrics_include_roc_auc():
    labels = np.array([0, 0, 1, 1])
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
    metrics = classification_metrics(labels, probs)
    assert set(metrics) == {"accuracy", "f1", "roc_auc"}
    assert metrics["accuracy"] == 0.75 and metrics["roc_auc"] == 1.0
    assert metrics["f1"] == pytest.approx((2 / 3 + 0.8) / 2)


def test_multiclass_metrics_are_macro_without_roc_auc():
    labels = np.array([0, 1, 2, 2])
    probs = np.eye(3)[[0, 1, 1, 2]]
    metrics = classification_metrics(labels, probs)
    assert set(metrics) == {"accuracy", "f1"}
    assert metrics["f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


def test_majority_predicts_the_most_common_training_class():
    probs = majority(np.array([2, 2, 0, 1, 2]), n=3, num_classes=3)
    np.testing.assert_array_equal(probs, [[0, 0, 1]] * 3)
    metrics = classification_metrics(np.array([2, 0, 1]), probs)
    assert metrics["accuracy"] == pytest.approx(1 / 3)


def test_tfidf_logistic_learns_separable_words(labelled_rows):
    texts = [t for t, _ in labelled_rows]
    labels = np.array([int(y == "pos") for _, y in labelled_rows])
    probs = tfidf_logistic(texts, labels, ["I loved this great film", "boring and awful"],
                           num_classes=2, max_features=1000)
    assert probs.shape == (2, 2) and np.allclose(probs.sum(axis=1), 1)
    assert probs[0, 1] > 0.5 > probs[1, 1]


def test_tfidf_logistic_fills_classes_missing_from_training():
    probs = tfidf_logistic(["good good", "bad bad", "good", "bad"], np.array([0, 2, 0, 2]),
                           ["good"], num_classes=3)
    assert probs.shape == (1, 3) and probs[0, 1] == 0


def test_non_finite_probabilities_score_nan():
    """argmax of a NaN row is class 0, which would give a broken model a score."""
    from pipelines.speech.evaluate import probability_scores

    labels = np.array([0, 0, 1])
    probs = np.array([[np.nan, np.nan], [0.9, 0.1], [0.2, 0.8]])
    assert all(np.isnan(v) for v in classification_metrics(labels, probs).values())
    assert set(classification_metrics(labels, probs)) == {"accuracy", "f1", "roc_auc"}
    assert all(np.isnan(v) for v in probability_scores(labels, probs).values())
    assert probability_scores(labels, np.nan_to_num(probs))["accuracy"] == 1.0


def test_nb_logistic_learns_separable_words_and_uses_bigrams():
    texts = ["not bad at all", "not bad really", "good fun", "so good",
             "not good at all", "not good really", "bad film", "so bad"]
    labels = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    probs = nb_logistic(texts, labels, ["not bad", "not good"], ngrams=2, c=10.0)
    assert probs.shape == (2, 2) and np.allclose(probs.sum(axis=1), 1)
    assert probs[0, 1] > 0.5 > probs[1, 1]  # "not bad" is positive: the bigram says so
