import numpy as np
import pytest

from layer_testing import numpy_rnn, random_mask, weights_of
from rnnkit.layers import DeepTransitionRNN, Elman

B, T, D, H = 3, 9, 4, 5


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("depth, shortcut", [(2, False), (3, False), (2, True), (3, True)])
def test_matches_deep_transition_mlp(depth, shortcut, masked):
    layer = DeepTransitionRNN(H, transition_depth=depth, transition_units=7, shortcut=shortcut,
                              bias_initializer="random_normal", return_sequences=True,
                              return_state=True)
    layer.build((B, T, D))
    w = weights_of(layer)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    mask = random_mask(B, T) if masked else None

    def step(x_t, states):
        h_prev = states[0]
        z = np.tanh(x_t @ w["kernel"] + h_prev @ w["recurrent_kernel"] + w["bias"])
        for level in range(2, depth + 1):
            pre = z @ w[f"kernel_{level}"] + w[f"bias_{level}"]
            if shortcut and level == depth:
                pre = pre + h_prev @ w["shortcut_kernel"]
            z = np.tanh(pre)
        return z, [z]

    expected, (h_T,) = numpy_rnn(step, x, [np.zeros((B, H))], mask)
    outputs, state = layer(x, mask=mask)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    np.testing.assert_allclose(state, h_T, atol=1e-5)


def test_depth_one_is_elman():
    x = np.random.default_rng(1).normal(size=(B, T, D)).astype("float32")
    dt, elman = DeepTransitionRNN(H, transition_depth=1), Elman(H)
    dt.build(x.shape)
    elman.build(x.shape)
    elman.set_weights(dt.get_weights())
    np.testing.assert_allclose(dt(x), elman(x), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"transition_depth": 0}, "transition_depth=0"),
        ({"transition_units": -1}, "transition_units=-1"),
        ({"transition_depth": 1, "shortcut": True}, "transition_depth=1"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DeepTransitionRNN(4, **kwargs)
