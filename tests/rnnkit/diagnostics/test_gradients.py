"""gradient_norms against finite differences of an independent NumPy forward pass."""

import keras
import numpy as np
import pytest

from rnnkit.diagnostics import gradient_norms
from rnnkit.layers import Elman, SkipDelayRNN

B, T, D, H = 2, 6, 3, 4


def numpy_loss(w, x, y, perturb_step=None, delta=None):
    """MSE of Dense(Elman(x)), with `delta` added to h_t at `perturb_step`."""
    h = np.zeros((B, H))
    for t in range(T):
        h = np.tanh(x[:, t] @ w[0] + h @ w[1] + w[2])
        if t == perturb_step:
            h = h + delta
    prediction = h @ w[3] + w[4]
    return np.mean((prediction - y) ** 2)


def test_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D)).astype("float32")
    y = rng.normal(size=(B, 1)).astype("float32")
    model = keras.Sequential([keras.Input((T, D)), Elman(H, bias_initializer="random_normal"),
                              keras.layers.Dense(1)])
    model.compile(loss="mse")
    w = [np.asarray(v, "float64") for v in model.get_weights()]
    norms = gradient_norms(model, x, y)
    assert norms.shape == (T,)
    eps = 1e-6
    for t in range(T):
        grad = np.zeros((B, H))
        for b in range(B):
            for i in range(H):
                delta = np.zeros((B, H))
                delta[b, i] = eps
                grad[b, i] = (numpy_loss(w, x, y, t, delta) - numpy_loss(w, x, y, t, -delta)) / (
                    2 * eps
                )
        np.testing.assert_allclose(norms[t], np.linalg.norm(grad), rtol=1e-3, atol=1e-7)


def test_vanishing_gradient_is_visible():
    """Small recurrent weights: the gradient shrinks going back in time."""
    rng = np.random.default_rng(1)
    steps = 40
    x = rng.normal(size=(4, steps, D)).astype("float32")
    y = rng.normal(size=(4, 1)).astype("float32")
    model = keras.Sequential([
        keras.Input((steps, D)),
        Elman(8, recurrent_initializer=keras.initializers.Orthogonal(gain=0.5)),
        keras.layers.Dense(1),
    ])
    norms = gradient_norms(model, x, y, loss="mse")
    assert norms[0] < 1e-6 * norms[-1]


def test_skip_delay_and_go_backwards_run_in_time_order():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(B, T, D)).astype("float32")
    y = rng.normal(size=(B, 1)).astype("float32")
    model = keras.Sequential([keras.Input((T, D)), SkipDelayRNN(H, delays=(1, 2),
                                                                go_backwards=True),
                              keras.layers.Dense(1)])
    norms = gradient_norms(model, x, y)
    # processed last = time step 0: the largest, direct gradient
    assert np.argmax(norms) == 0


def test_model_without_recurrent_layer():
    model = keras.Sequential([keras.Input((T, D)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="found none"):
        gradient_norms(model, np.zeros((B, T, D)), np.zeros((B, T, 1)))
