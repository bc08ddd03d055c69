"""Explanations: occlusion contributions against a hand computation on a model whose
weights are known (`--explain` on a trained model: test_sentiment_intents.py)."""

import keras
import numpy as np
import pytest

from pipelines.sentiment.explain import explain
from pipelines.sentiment.text import TextEncoder

WORDS = ["<pad>", "<unk>", "good", "bad", "film", "the"]
SCORE = {"good": 2.0, "bad": -3.0, "film": 0.5, "the": 0.0, "<unk>": 0.0}


def bag_of_words_model():
    """p(positive) = softmax([0, mean of word scores over non-pad tokens])."""
    inputs = keras.Input((None,), dtype="int32")
    embedded = keras.layers.Embedding(len(WORDS), 1, mask_zero=True)(inputs)
    pooled = keras.layers.GlobalAveragePooling1D()(embedded)
    outputs = keras.layers.Dense(2, activation="softmax")(pooled)
    model = keras.Model(inputs, outputs)
    table = np.array([[0.0]] + [[SCORE[w]] for w in WORDS[1:]], dtype="float32")
    model.layers[1].set_weights([table])
    model.layers[-1].set_weights([np.array([[0.0, 1.0]], "float32"), np.zeros(2, "float32")])
    return model


def p_positive(words):
    s = np.mean([SCORE.get(w, 0.0) for w in words])
    return 1 / (1 + np.exp(-s))


def test_contributions_are_the_drop_in_probability_when_a_word_becomes_unknown():
    encoder = TextEncoder(WORDS, max_length=50, labels=["negative", "positive"])
    text = "The good film, the GOOD film... and zebra"
    words = encoder.words(text)
    assert words == ["the", "good", "film", "the", "good", "film", "and", "zebra"]
    got = explain(bag_of_words_model(), encoder, text, top_k=len(words))
    full = p_positive(words)  # positive is predicted (mean score > 0)
    expected = {i: full - p_positive(words[:i] + ["<unk>"] + words[i + 1:])
                for i in range(len(words))}
    assert {g["position"]: g["contribution"] for g in got} == pytest.approx(expected, abs=1e-6)
    assert [g["token"] for g in got[:2]] == ["good", "good"]  # the largest first
    assert {g["token"]: g["contribution"] for g in got}["zebra"] == pytest.approx(0, abs=1e-6)
    negative = explain(bag_of_words_model(), encoder, "a bad bad film", top_k=1)
    assert negative[0]["token"] == "bad" and negative[0]["contribution"] > 0  # towards "neg"
    assert explain(bag_of_words_model(), encoder, "!!! ...", top_k=3) == [
        {"token": "!", "position": 0, "contribution": pytest.approx(0.0)},
        {"token": "!", "position": 1, "contribution": pytest.approx(0.0)},
        {"token": "!", "position": 2, "contribution": pytest.approx(0.0)}]


def test_with_an_ngram_channel_the_occluded_words_ngrams_leave_the_bag():
    """A wide-only model (the recurrent path's logits zeroed): its score is the sum of
    the bag's weights, so each contribution is computable from the bags by hand. The text
    is longer than max_length: words are kept from the head and the tail, and the bag
    reads every word."""
    from pipelines.sentiment.ngrams import ngram_ids
    from pipelines.sentiment.text import tokenize
    from rnnkit.models import build_classifier

    buckets = 257
    encoder = TextEncoder(WORDS, max_length=4, head_fraction=0.5, labels=["neg", "pos"],
                          ngram_order=2, ngram_buckets=buckets)
    model = build_classifier(2, vocab_size=len(WORDS), embedding_dim=2, units=2,
                             ngram_buckets=buckets)
    deep = model.get_layer("deep_logits")
    deep.set_weights([np.zeros_like(w) for w in deep.get_weights()])
    weights = np.random.default_rng(0).normal(size=(buckets + 1, 2)).astype("float32")
    model.get_layer("ngram_logits").kernel.assign(weights)

    def p_pos(words):
        z = weights[ngram_ids(words, 2, buckets)].sum(axis=0)
        return float(np.exp(z[1]) / np.exp(z).sum())

    text = "the good film was not bad the film"
    full = tokenize(text)
    kept = [0, 1, 6, 7]  # head 2 words, tail 2 words of the 8
    got = explain(model, encoder, text, top_k=4)
    label = int(p_pos(full) > 0.5)
    sign = 1 if label == 1 else -1
    expected = {i: sign * (p_pos(full) - p_pos(full[:at] + ["<unk>"] + full[at + 1:]))
                for i, at in enumerate(kept)}
    assert {g["position"]: g["contribution"] for g in got} == pytest.approx(expected, abs=1e-5)
    assert [g["token"] for g in sorted(got, key=lambda g: g["position"])] == [
        full[at] for at in kept]
