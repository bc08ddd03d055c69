from unittest import mock

import keras
import numpy as np
import pytest

from layer_testing import numpy_rnn, random_mask, weights_of
from rnnkit.layers import SkipDelayCell, SkipDelayRNN

B, T, D, H = 3, 11, 4, 5


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("delays", [(1,), (1, 3), (2, 5)])
def test_matches_delayed_recurrence(delays, masked):
    layer = SkipDelayRNN(H, delays=delays, bias_initializer="random_normal",
                         return_sequences=True, return_state=True)
    layer.build((B, T, D))
    w = weights_of(layer)
    W = {d: w["recurrent_kernel"][i * H:(i + 1) * H] for i, d in enumerate(delays)}
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    mask = random_mask(B, T) if masked else None
    D_max = max(delays)

    # Reference: keep an explicit history list of past states, h_{t-d} = 0 before start.
    def step(x_t, states):
        history = states[0].reshape(B, D_max, H)  # [h_{t-1}, ..., h_{t-D}]
        pre = x_t @ w["kernel"] + w["bias"]
        for d in delays:
            pre = pre + history[:, d - 1] @ W[d]
        h = np.tanh(pre)
        new_history = np.concatenate([h[:, None], history[:, :-1]], axis=1)
        return h, [new_history.reshape(B, D_max * H)]

    expected, (line,) = numpy_rnn(step, x, [np.zeros((B, D_max * H))], mask)
    outputs, *states = layer(x, mask=mask)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    np.testing.assert_allclose(np.concatenate(states, -1), line, atol=1e-5)
    assert len(states) == D_max


def test_returned_state_continues_the_sequence_exactly():
    layer = SkipDelayRNN(H, delays=(1, 4), return_sequences=True, return_state=True)
    x = np.random.default_rng(1).normal(size=(B, T, D)).astype("float32")
    whole, *_ = layer(x)
    first, *line = layer(x[:, :6])
    second, *_ = layer(x[:, 6:], initial_state=line)
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, atol=1e-5)


@pytest.mark.parametrize("delays", [(0, 1), (1, 1), (), (1, -2), (1.5,)])
def test_bad_delays(delays):
    with pytest.raises(ValueError, match="delays="):
        SkipDelayRNN(4, delays=delays)


def blocks_against_steps(delays, steps, go_backwards=False, seed=0):
    """The layer (blocks of steps) and `keras.layers.RNN` over its cell (Keras's loop,
    step by step) with the same weights and a random initial line: outputs and states."""
    layer = SkipDelayRNN(H, delays=delays, bias_initializer="random_normal",
                         return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer.build((B, steps, D))
    reference = keras.layers.RNN(SkipDelayCell(H, delays=delays), return_sequences=True,
                                 return_state=True, go_backwards=go_backwards)
    reference.build((B, steps, D))
    reference.set_weights(layer.get_weights())
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, steps, D)).astype("float32")
    line = [rng.normal(size=(B, H)).astype("float32") for _ in range(max(delays))]
    with mock.patch.object(SkipDelayCell, "block", autospec=True,
                           side_effect=SkipDelayCell.block) as block:
        got = layer(x, initial_state=line)
    assert block.called, "the layer did not run its block loop"
    return got, reference(x, initial_state=line)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize(("delays", "steps"), [
    ((1, 3), 11),      # 3 blocks of 3, then 2 steps one by one
    ((2, 4), 12),      # no delay 1: every term of a block in one matmul per delay
    ((1, 2, 8), 7),    # blocks of 2, a line of 4 blocks longer than the sequence
    ((1, 4, 6), 13),   # blocks of gcd(4, 6) = 2, each delay one block of the line
    ((1, 20), 24),     # blocks of 5: the largest divisor of 20 up to MAX_BLOCK = 8
    ((1, 4), 5),       # one block, one step
])
def test_blocks_match_the_step_by_step_loop(delays, steps, go_backwards):
    (outputs, *states), (expected, *expected_states) = blocks_against_steps(
        delays, steps, go_backwards)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    for state, expected_state in zip(states, expected_states, strict=True):
        np.testing.assert_allclose(state, expected_state, atol=1e-5)


def test_blocks_train_as_the_step_by_step_loop():
    """Same gradients: one SGD step of the layer and of Keras's loop over its cell."""
    x = np.random.default_rng(2).normal(size=(B, T, D)).astype("float32")
    y = np.random.default_rng(3).normal(size=(B, 1)).astype("float32")
    models = []
    for recurrent in (SkipDelayRNN(H, delays=(1, 4)),
                      keras.layers.RNN(SkipDelayCell(H, delays=(1, 4)))):
        model = keras.Sequential([keras.Input((T, D)), recurrent, keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
        models.append(model)
    blocks, steps = models
    before = blocks.get_weights()
    steps.set_weights(before)
    for model in models:
        model.train_on_batch(x, y)
    for got, expected, start in zip(blocks.get_weights(), steps.get_weights(), before,
                                    strict=True):
        assert not np.allclose(got, start)  # the step moved every weight
        np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize(("delays", "size"), [
    ((1,), 1), ((1, 8), 8), ((1, 2, 4), 2), ((2, 5), 1), ((1, 12), 6), ((1, 50), 5),
])
def test_block_size_divides_every_delay_above_one(delays, size):
    assert SkipDelayCell(H, delays=delays).block_size() == size
