import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.layers import BahdanauAttention

B, TQ, TK, DQ, DK = 2, 3, 6, 5, 4


def reference(w, query, keys, mask=None):
    """score(q, k_j) = v^T tanh(W_q q + W_k k_j + b); softmax over j; Σ a_j k_j."""
    q = query @ w["query_kernel"]  # [B, Tq, U]
    k = keys @ w["key_kernel"] + w["bias"]  # [B, Tk, U]
    scores = np.tanh(q[:, :, None] + k[:, None]) @ w["score_vector"]  # [B, Tq, Tk]
    if mask is not None:
        scores = np.where(mask[:, None], scores, -np.inf)
    a = np.exp(scores - scores.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    return a @ keys, a


@pytest.mark.parametrize("masked", [False, True])
def test_matches_additive_attention(masked):
    rng = np.random.default_rng(0)
    query = rng.normal(size=(B, TQ, DQ)).astype("float32")
    keys = rng.normal(size=(B, TK, DK)).astype("float32")
    mask = np.ones((B, TK), bool)
    if masked:
        mask[0, 4:] = False
        mask[1, :1] = False
    layer = BahdanauAttention(7, bias_initializer="random_normal")
    context, weights = layer(query, keys, keys_mask=mask if masked else None)
    w = {v.path.split("/")[-1]: np.asarray(v.numpy(), "float64") for v in layer.weights}
    expected_context, expected_weights = reference(w, query, keys, mask if masked else None)
    np.testing.assert_allclose(context, expected_context, atol=1e-5)
    np.testing.assert_allclose(weights, expected_weights, atol=1e-5)
    if masked:
        assert np.all(np.asarray(weights)[0, :, 4:] == 0)
    # a single query [B, Dq] gives the same as the first row of the sequence
    one_context, one_weights = layer(query[:, 0], keys, keys_mask=mask if masked else None)
    np.testing.assert_allclose(one_context, expected_context[:, 0], atol=1e-5)
    np.testing.assert_allclose(one_weights, expected_weights[:, 0], atol=1e-5)


def test_separate_values_and_save_load(tmp_path):
    q_in, k_in, v_in = keras.Input((DQ,)), keras.Input((TK, DK)), keras.Input((TK, 2))
    context, weights = BahdanauAttention(6)(q_in, k_in, v_in)
    model = keras.Model([q_in, k_in, v_in], [context, weights])
    rng = np.random.default_rng(1)
    data = [rng.normal(size=s).astype("float32") for s in [(B, DQ), (B, TK, DK), (B, TK, 2)]]
    before = model.predict(data, verbose=0)
    assert before[0].shape == (B, 2) and before[1].shape == (B, TK)
    after = save_and_reload(model, tmp_path).predict(data, verbose=0)
    for b, a in zip(before, after, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_bad_units():
    with pytest.raises(ValueError, match="units=0"):
        BahdanauAttention(0)
