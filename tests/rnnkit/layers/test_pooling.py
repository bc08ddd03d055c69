import numpy as np
import pytest

from layer_testing import weights_of
from rnnkit.layers import AttentionPooling, MaskedMaxPooling


@pytest.mark.parametrize("masked", [False, True])
def test_matches_additive_self_attention(masked):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    mask = np.ones((3, 6), bool)
    if masked:
        mask[0, 4:] = False
        mask[2, :2] = False
    layer = AttentionPooling(5)
    out = np.asarray(layer(x, mask=mask if masked else None))
    w = weights_of(layer)
    scores = np.tanh(x @ w["kernel"] + w["bias"]) @ w["score_vector"]
    scores = np.where(mask, scores, -np.inf)
    a = np.exp(scores - scores.max(1, keepdims=True))
    a /= a.sum(1, keepdims=True)
    np.testing.assert_allclose(out, (a[..., None] * x).sum(1), atol=1e-5)
    if masked:  # padding does not move the result
        x2 = x.copy()
        x2[0, 4:] = 100.0
        np.testing.assert_allclose(layer(x2, mask=mask), out, atol=1e-5)


def test_bad_units():
    with pytest.raises(ValueError, match="units=0"):
        AttentionPooling(0)


@pytest.mark.parametrize("masked", [False, True])
def test_max_pooling_matches_numpy_max_over_kept_steps(masked):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    mask = np.ones((3, 6), bool)
    if masked:
        mask[0, 4:] = False
        mask[2, :2] = False
        x[0, 4:] = 100.0  # padding larger than every real value must not win
    out = np.asarray(MaskedMaxPooling()(x, mask=mask if masked else None))
    expected = np.where(mask[..., None], x, -np.inf).max(axis=1)
    np.testing.assert_array_equal(out, expected)


def test_max_pooling_of_an_all_masked_row_is_zero():
    x = np.random.default_rng(2).normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[False] * 5, [True] * 5])
    out = np.asarray(MaskedMaxPooling()(x, mask=mask))
    np.testing.assert_array_equal(out[0], np.zeros(3, "float32"))
    np.testing.assert_array_equal(out[1], x[1].max(axis=0))
