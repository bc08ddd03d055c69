import keras
import numpy as np
import pytest

from layer_testing import numpy_rnn, random_mask, weights_of
from rnnkit.layers import MultiScaleRNN

B, T, D, H = 3, 13, 4, 6


def clockwork_reference(layer, periods):
    """The NumPy step of `layer`'s weights (the clock counts the steps it has seen)."""
    w = weights_of(layer)
    unit_period = np.repeat(periods, layer.units // len(periods))
    W = w["recurrent_kernel"].copy()
    if layer.cell.connectivity == "clockwork":
        W[unit_period[:, None] < unit_period[None, :]] = 0.0  # slow units do not hear fast ones

    def step(x_t, states):
        h_prev, clock = states
        candidate = np.tanh(x_t @ w["kernel"] + h_prev @ W + w["bias"])
        active = (clock % unit_period) == 0  # [B, 1] % [H] -> [B, H]
        h = np.where(active, candidate, h_prev)
        return h, [h, clock + 1]

    return step


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("connectivity", ["clockwork", "full"])
def test_matches_clockwork_update(connectivity, masked, go_backwards):
    """Masked steps do not advance the clock, and with `go_backwards` it counts in
    processing order (the layer decides every update before its loop)."""
    periods = (1, 2, 4)
    layer = MultiScaleRNN(H, periods=periods, connectivity=connectivity,
                          bias_initializer="random_normal", return_sequences=True,
                          return_state=True, go_backwards=go_backwards)
    layer.build((B, T, D))
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    mask = random_mask(B, T) if masked else None
    expected, (h_T, _) = numpy_rnn(clockwork_reference(layer, periods), x,
                                   [np.zeros((B, H)), np.zeros((B, 1))], mask, go_backwards)
    outputs, h, clock = layer(x, mask=mask)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    np.testing.assert_allclose(h, h_T, atol=1e-5)
    steps_seen = T if mask is None else mask.sum(axis=1)
    np.testing.assert_allclose(np.asarray(clock)[:, 0], np.asarray(steps_seen) % 4)


def test_the_clock_continues_from_the_initial_state_and_across_stateful_calls():
    periods = (1, 2, 4)
    x = np.random.default_rng(2).normal(size=(B, T, D)).astype("float32")
    layer = MultiScaleRNN(H, periods=periods, return_sequences=True, return_state=True)
    layer.build((B, T, D))
    h0 = np.random.default_rng(3).normal(size=(B, H)).astype("float32")
    clock0 = np.array([[0.0], [1.0], [3.0]], "float32")  # each row mid-cycle elsewhere
    expected, (h_T, clock_T) = numpy_rnn(clockwork_reference(layer, periods), x,
                                         [h0, clock0])
    outputs, h, clock = layer(x, initial_state=[h0, clock0])
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    np.testing.assert_allclose(clock, clock_T % 4)

    stateful = MultiScaleRNN(H, periods=periods, return_sequences=True, stateful=True)
    stateful.build((B, T, D))
    stateful.set_weights(layer.get_weights())
    halves = [np.asarray(stateful(x[:, :5])), np.asarray(stateful(x[:, 5:]))]
    whole, _ = numpy_rnn(clockwork_reference(layer, periods), x,
                         [np.zeros((B, H)), np.zeros((B, 1))])
    np.testing.assert_allclose(np.concatenate(halves, axis=1), whole, atol=1e-5)


def test_slow_group_holds_its_state_between_ticks():
    layer = MultiScaleRNN(4, periods=(1, 3), return_sequences=True)
    out = np.asarray(layer(np.random.default_rng(1).normal(size=(2, 7, 3)).astype("float32")))
    slow = out[:, :, 2:]
    np.testing.assert_array_equal(slow[:, 1], slow[:, 0])
    np.testing.assert_array_equal(slow[:, 2], slow[:, 0])
    assert not np.allclose(slow[:, 3], slow[:, 2])


def test_removed_connections_stay_removed_through_training():
    model = keras.Sequential([keras.Input((5, 3)), MultiScaleRNN(6, periods=(1, 2, 4)),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    model.fit(np.ones((4, 5, 3)), np.ones((4, 1)), epochs=2, verbose=0)
    cell = model.layers[0].cell
    removed = cell.recurrent_mask() == 0
    assert removed.any()
    assert np.all(np.asarray(cell.recurrent_kernel)[removed] == 0)
    assert np.all(np.asarray(cell.recurrent_kernel)[~removed] != 0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 6, "periods": (1, 0)}, "periods="),
        ({"units": 6, "periods": (1, -2, 4)}, "periods="),
        ({"units": 7, "periods": (1, 2)}, "units=7"),
        ({"units": 6, "periods": (1, 2), "connectivity": "sparse"}, "connectivity='sparse'"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiScaleRNN(**kwargs)
