"""Greedy and beam search: beam 1 equals greedy, beam finds the better sentence greedy
misses, length limits and length normalisation."""

import numpy as np
import pytest

from rnnkit.models.decoding import Hypothesis, beam_search, greedy_search
from rnnkit.models.seq2seq import Seq2SeqInference, build_seq2seq

START, END, A, B = 2, 3, 4, 5


class Markov:
    """A stand-in decoder whose next-token distribution depends on the last token only."""

    def __init__(self, table):
        self.log_table = np.log(np.maximum(np.asarray(table, "float64"), 1e-12))

    def encode(self, ids):
        return np.zeros((*ids.shape, 1)), [np.zeros((len(ids), 1))]

    def step(self, tokens, states, encoded, ids):
        real = (ids != 0).astype("float64")
        return self.log_table[tokens], real / real.sum(1, keepdims=True), states


def table(after_start, after_a, after_b):
    rows = np.full((6, 6), 0.0)
    rows[START, [A, B]] = after_start
    rows[A, [END, A, B]] = after_a
    rows[B, [END, A, B]] = after_b
    return rows


SOURCE = np.array([[7, 8, 0], [9, 0, 0]], "int32")


def test_beam_finds_the_sentence_greedy_misses():
    # greedy: A (0.55) then </s> (0.4): log-prob -1.51; beam: B (0.45) then </s> (0.95): -0.85
    inference = Markov(table([0.55, 0.45], [0.4, 0.3, 0.3], [0.95, 0.025, 0.025]))
    common = {"start_id": START, "end_id": END, "max_lengths": 5}
    greedy = greedy_search(inference, SOURCE, **common)
    beam = beam_search(inference, SOURCE, beam=2, **common)
    assert [h.tokens for h in greedy] == [[A], [A]]
    assert [h.tokens for h in beam] == [[B], [B]]
    assert beam[0].score == pytest.approx(np.log(0.45) + np.log(0.95))
    assert greedy[0].score == pytest.approx(np.log(0.55) + np.log(0.4))
    # one attention row per output token, over the real source positions only
    np.testing.assert_allclose(beam[0].attention, [[0.5, 0.5, 0.0]])
    np.testing.assert_allclose(beam[1].attention, [[1.0, 0.0, 0.0]])


def test_length_limit_and_unfinished_hypotheses():
    inference = Markov(table([1.0, 0.0], [0.05, 0.9, 0.05], [0.9, 0.05, 0.05]))
    for search in (greedy_search, lambda *a, **k: beam_search(*a, beam=3, **k)):
        out = search(inference, SOURCE, start_id=START, end_id=END, max_lengths=[3, 1])
        assert [h.tokens for h in out] == [[A, A, A], [A]]
        assert not out[0].ended and out[0].attention.shape == (3, 3)


def test_length_normalisation_prefers_the_longer_sentence():
    # "A </s>": p = 0.4, log-prob / 2 tokens = -0.46; "A B </s>": p = 0.6 * 0.5 = 0.3,
    # log-prob / 3 = -0.40: the raw score prefers the short one, the normalised the long
    inference = Markov(table([1.0, 0.0], [0.4, 0.0, 0.6], [0.5, 0.5, 0.0]))
    common = {"start_id": START, "end_id": END, "max_lengths": 6, "beam": 4}
    short = Hypothesis([A], np.zeros((1, 1)), np.log(0.4))
    longer = Hypothesis([A, B], np.zeros((2, 1)), np.log(0.3))
    assert longer.normalized(1.0) > short.normalized(1.0)
    assert longer.normalized(0.0) < short.normalized(0.0)
    assert beam_search(inference, SOURCE[:1], alpha=0.0, **common)[0].tokens == [A]
    assert beam_search(inference, SOURCE[:1], alpha=1.0, **common)[0].tokens == [A, B]


def test_greedy_equals_beam_one_on_a_real_model():
    model = build_seq2seq(20, 15, embedding_dim=8, encoder_units=6, decoder_units=10,
                          attention_units=5, output_units=8)
    source = np.random.default_rng(3).integers(1, 20, size=(6, 7)).astype("int32")
    source[1, 4:] = 0
    source[4, 2:] = 0
    inference = Seq2SeqInference(model)
    common = {"start_id": 2, "end_id": 3, "max_lengths": [9, 4, 9, 9, 3, 9]}
    greedy = greedy_search(inference, source, **common)
    beam = beam_search(inference, source, beam=1, **common)
    assert [h.tokens for h in greedy] == [h.tokens for h in beam]
    assert [len(h.tokens) <= limit for h, limit in zip(greedy, common["max_lengths"],
                                                        strict=True)] == [True] * 6
    for g, b in zip(greedy, beam, strict=True):
        np.testing.assert_allclose(g.attention, b.attention, atol=1e-6)
        assert g.score == pytest.approx(b.score, abs=1e-4)


def test_beam_width_must_be_positive():
    with pytest.raises(ValueError, match="beam=0"):
        beam_search(Markov(np.eye(6)), SOURCE, beam=0, start_id=START, end_id=END,
                    max_lengths=3)
