import numpy as np
import pytest

from layer_testing import numpy_rnn, random_mask, weights_of
from rnnkit.layers import SkipDelayRNN

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
