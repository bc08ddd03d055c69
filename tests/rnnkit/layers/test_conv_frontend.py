"""ConvFrontEnd against a NumPy convolution, padding kept as padding, and a speech
classifier with the front-end saved and reloaded identically."""

import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.layers import ConvFrontEnd
from rnnkit.models import build_classifier


def numpy_block(x, kernel, gamma, beta, mean, var, eps):
    """One block at inference on `[T, F]`: same-padded 3x3 conv, BN, ReLU, max pool by 2."""
    steps, width = x.shape
    padded = np.pad(x, 1)
    out = np.zeros((steps, width, kernel.shape[-1]))
    for t in range(steps):
        for f in range(width):
            out[t, f] = np.tensordot(padded[t:t + 3, f:f + 3], kernel[:, :, 0, :], axes=2)
    out = np.maximum(gamma * (out - mean) / np.sqrt(var + eps) + beta, 0)
    return np.maximum(out[:, 0::2], out[:, 1::2])


def test_one_block_matches_numpy_and_padding_stays_zero():
    rng = np.random.default_rng(0)
    layer = ConvFrontEnd((3,))
    x = rng.normal(size=(2, 6, 8)).astype("float32")
    x[1, 4:] = 0.0
    mask = np.array([[True] * 6, [True] * 4 + [False] * 2])
    layer(x, mask=mask)
    norm = layer.norms[0]
    norm.moving_mean.assign(rng.normal(size=3).astype("float32"))
    norm.moving_variance.assign(rng.uniform(0.5, 2, size=3).astype("float32"))
    norm.gamma.assign(rng.uniform(0.5, 2, size=3).astype("float32"))
    norm.beta.assign(rng.normal(size=3).astype("float32"))
    out = np.asarray(layer(x, mask=mask))
    assert out.shape == (2, 6, 4 * 3)
    weights = [np.asarray(w) for w in (layer.convs[0].kernel, norm.gamma, norm.beta,
                                       norm.moving_mean, norm.moving_variance)]
    for row, steps in ((0, 6), (1, 4)):
        expected = numpy_block(x[row, :steps], *weights, norm.epsilon)
        np.testing.assert_allclose(out[row, :steps], expected.reshape(steps, -1), rtol=1e-4,
                                   atol=1e-5)
    assert not out[1, 4:].any()


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="filters"):
        ConvFrontEnd(())
    with pytest.raises(ValueError, match="kernel_size"):
        ConvFrontEnd((4,), kernel_size=(3,))


def test_a_classifier_with_the_front_end_is_padding_invariant_and_reloads(tmp_path):
    rng = np.random.default_rng(1)
    keras.utils.set_random_seed(0)
    model = build_classifier(3, input_dim=16, units=4, pooling="attention",
                             conv_filters=(4, 8))
    model.compile("adam", "sparse_categorical_crossentropy")
    x = rng.normal(size=(4, 10, 16)).astype("float32")
    model.fit(x, np.array([0, 1, 2, 0]), epochs=2, verbose=0)  # moves the BN statistics
    longer = np.zeros((4, 26, 16), "float32")
    longer[:, :10] = x
    np.testing.assert_allclose(model.predict(longer, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    reloaded = save_and_reload(model, tmp_path)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="feature input"):
        build_classifier(2, vocab_size=10, conv_filters=(4,))
