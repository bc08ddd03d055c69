import keras
import numpy as np
import pytest

from layer_testing import numpy_rnn, random_mask, weights_of
from rnnkit.layers import Elman

B, T, D, H = 3, 9, 4, 5


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def make(**kwargs):
    layer = Elman(H, bias_initializer="random_normal", return_sequences=True,
                  return_state=True, **kwargs)
    layer.build((B, T, D))
    return layer


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("output_units", [None, 2])
def test_matches_textbook_equations(output_units, masked):
    layer = make(output_units=output_units, output_activation="sigmoid")
    w = weights_of(layer)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    mask = random_mask(B, T) if masked else None

    def step(x_t, states):
        h = np.tanh(x_t @ w["kernel"] + states[0] @ w["recurrent_kernel"] + w["bias"])
        return h, [h]

    # y(t) = g(V h(t) + b_y) reads out the hidden sequence; on masked steps h
    # is held, so y repeats too.
    hidden, (h_T,) = numpy_rnn(step, x, [np.zeros((B, H))], mask)
    expected = hidden if output_units is None else sigmoid(
        hidden @ w["output_kernel"] + w["output_bias"])
    outputs, state = layer(x, mask=mask)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    np.testing.assert_allclose(state, h_T, atol=1e-5)


def test_initial_state_and_go_backwards():
    layer = make(go_backwards=True, activation="relu")
    w = weights_of(layer)
    x = np.random.default_rng(1).normal(size=(B, T, D)).astype("float32")
    h0 = np.random.default_rng(2).normal(size=(B, H)).astype("float32")

    def step(x_t, states):
        h = np.maximum(x_t @ w["kernel"] + states[0] @ w["recurrent_kernel"] + w["bias"], 0)
        return h, [h]

    expected, _ = numpy_rnn(step, x, [h0], go_backwards=True)
    outputs, _ = layer(x, initial_state=h0)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)


def test_equals_simple_rnn_with_same_weights():
    x = np.random.default_rng(3).normal(size=(B, T, D)).astype("float32")
    elman, simple = Elman(H), keras.layers.SimpleRNN(H)
    elman.build((B, T, D))
    simple.build((B, T, D))
    simple.set_weights(elman.get_weights())
    np.testing.assert_allclose(elman(x), simple(x), atol=1e-6)


def test_stateful_continues_across_batches():
    x = np.random.default_rng(4).normal(size=(B, T, D)).astype("float32")
    whole = Elman(H, return_sequences=True)
    whole.build((B, T, D))
    stateful = Elman(H, return_sequences=True, stateful=True)
    stateful.build((B, T, D))
    stateful.set_weights(whole.get_weights())
    halves = np.concatenate([stateful(x[:, :4]), stateful(x[:, 4:])], axis=1)
    np.testing.assert_allclose(halves, whole(x), atol=1e-5)
    stateful.reset_state()
    np.testing.assert_allclose(stateful(x[:, :4]), whole(x)[:, :4], atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, "units=0"),
        ({"units": -3}, "units=-3"),
        ({"units": 4, "activation": "nope"}, "activation='nope'"),
        ({"units": 4, "output_units": 0}, "output_units=0"),
        ({"units": 4, "output_activation": "nope"}, "output_activation='nope'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Elman(**kwargs)
