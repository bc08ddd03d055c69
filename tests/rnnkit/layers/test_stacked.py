import keras
import numpy as np
import pytest

from layer_testing import random_mask
from rnnkit.layers import StackedRNN

B, T, D = 3, 8, 4


def test_plain_stack_equals_keras_layers_in_sequence():
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    stack = StackedRNN([5, 6], cell="gru", return_sequences=True)
    stack.build(x.shape)
    first, second = (keras.layers.GRU(u, return_sequences=True) for u in (5, 6))
    first.build(x.shape)
    second.build((B, T, 5))
    first.set_weights(stack.recurrent_layers[0].get_weights())
    second.set_weights(stack.recurrent_layers[1].get_weights())
    np.testing.assert_allclose(stack(x), second(first(x)), atol=1e-5)


@pytest.mark.parametrize("return_sequences", [True, False])
def test_shortcuts_feed_input_to_every_layer_and_every_layer_to_output(return_sequences):
    x = np.random.default_rng(1).normal(size=(B, T, D)).astype("float32")
    mask = random_mask(B, T)
    stack = StackedRNN(5, num_layers=3, cell="elman", shortcuts=True,
                       return_sequences=return_sequences)
    out = np.asarray(stack(x, mask=mask))
    layers = stack.recurrent_layers
    h1 = layers[0](x, mask=mask)[0]
    h2 = layers[1](np.concatenate([x, h1], -1), mask=mask)[0]
    h3 = layers[2](np.concatenate([x, h2], -1), mask=mask)[0]
    expected = np.concatenate([h1, h2, h3], -1)
    if not return_sequences:
        # the output at each sequence's last unmasked step
        last = np.array([np.flatnonzero(m)[-1] for m in mask])
        expected = expected[np.arange(B), last]
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert out.shape[-1] == 15


def test_return_state_and_initial_state_round_trip():
    x = np.random.default_rng(2).normal(size=(B, T, D)).astype("float32")
    stack = StackedRNN(4, num_layers=2, cell="lstm", return_sequences=True, return_state=True)
    whole, *_ = stack(x)
    first, *states = stack(x[:, :3])
    assert len(states) == 4  # (h, c) per LSTM layer
    second, *_ = stack(x[:, 3:], initial_state=states)
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="units=0"):
        StackedRNN(0)
    with pytest.raises(ValueError, match="num_layers=0"):
        StackedRNN(4, num_layers=0)
    with pytest.raises(ValueError, match="name='nope'"):
        StackedRNN(4, cell="nope")
