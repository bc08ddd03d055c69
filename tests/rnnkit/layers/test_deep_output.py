import keras
import numpy as np
import pytest

from layer_testing import weights_of
from rnnkit.layers import DeepOutput


def test_matches_mlp_at_every_step():
    layer = DeepOutput(2, hidden_units=(6, 3), activation="relu", output_activation="tanh",
                       bias_initializer="random_normal")
    x = np.random.default_rng(0).normal(size=(3, 7, 5)).astype("float32")
    y = np.asarray(layer(x))
    w = [np.asarray(v.numpy(), "float64") for v in layer.weights]
    z = x.astype("float64")
    z = np.maximum(z @ w[0] + w[1], 0)
    z = np.maximum(z @ w[2] + w[3], 0)
    expected = np.tanh(z @ w[4] + w[5])
    np.testing.assert_allclose(y, expected, atol=1e-5)
    np.testing.assert_allclose(layer(x[:, 3]), expected[:, 3], atol=1e-5)
    assert set(weights_of(layer)) == {"kernel", "bias"}


def test_mask_passes_through():
    inputs = keras.Input((None, 3))
    masked = keras.layers.Masking()(inputs)
    h = keras.layers.GRU(4, return_sequences=True)(masked)
    y = DeepOutput(1)(h)
    assert y._keras_mask is not None


def test_bad_arguments():
    with pytest.raises(ValueError, match="output_units=0"):
        DeepOutput(0)
    with pytest.raises(ValueError, match="hidden_units=-2"):
        DeepOutput(1, hidden_units=(4, -2))
