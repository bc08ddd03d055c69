import numpy as np
import pytest

from layer_testing import numpy_rnn, random_mask, weights_of
from rnnkit.layers import LeakyRNN
from rnnkit.layers.leaky import leak_rates

B, T, D, H = 3, 9, 4, 5


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize(
    "spec",
    [{"alpha": 0.7}, {"alpha": [0.1, 0.3, 0.5, 0.7, 0.95]}, {"tau_range": (2, 40)},
     {"alpha": 0.6, "learn_alpha": True}],
)
def test_matches_leaky_integrator_equation(spec, masked):
    layer = LeakyRNN(H, bias_initializer="random_normal", return_sequences=True,
                     return_state=True, **spec)
    layer.build((B, T, D))
    w = weights_of(layer)
    alpha = 1 / (1 + np.exp(-w["alpha_logit"])) if "alpha_logit" in w else leak_rates(H, **spec)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    mask = random_mask(B, T) if masked else None

    def step(x_t, states):
        h_prev = states[0]
        h = alpha * h_prev + (1 - alpha) * np.tanh(
            x_t @ w["kernel"] + h_prev @ w["recurrent_kernel"] + w["bias"]
        )
        return h, [h]

    expected, (h_T,) = numpy_rnn(step, x, [np.zeros((B, H))], mask)
    outputs, state = layer(x, mask=mask)
    np.testing.assert_allclose(outputs, expected, atol=1e-5)
    np.testing.assert_allclose(state, h_T, atol=1e-5)


def test_alpha_specifications():
    np.testing.assert_allclose(leak_rates(3, alpha=0.5), [0.5] * 3)
    taus = np.geomspace(1, 100, 4)
    np.testing.assert_allclose(leak_rates(4, tau_range=(1, 100)), np.exp(-1 / taus))
    layer = LeakyRNN(4, alpha=[0.2, 0.4, 0.6, 0.8])
    layer.build((1, 2, 3))
    np.testing.assert_allclose(layer.cell.leak(), [0.2, 0.4, 0.6, 0.8], atol=1e-6)


def test_learned_alpha_trains_and_stays_in_unit_interval():
    layer = LeakyRNN(4, alpha=0.5, learn_alpha=True)
    layer.build((2, 3, 2))
    assert any(w.path.endswith("alpha_logit") for w in layer.trainable_weights)
    fixed = LeakyRNN(4, alpha=0.5)
    fixed.build((2, 3, 2))
    assert not any(w.path.endswith("alpha_logit") for w in fixed.weights)
    layer.cell.alpha_logit.assign(np.array([-50.0, -5.0, 5.0, 50.0]))
    alpha = np.asarray(layer.cell.leak())
    assert np.all((alpha >= 0) & (alpha <= 1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alpha": 1.0}, "alpha=1.0"),
        ({"alpha": 0.0}, "alpha=0.0"),
        ({"alpha": -0.5}, "alpha=-0.5"),
        ({"alpha": [0.5, 0.5]}, r"alpha=\[0.5, 0.5\]"),
        ({"tau_range": (0, 10)}, r"tau_range=\(0, 10\)"),
        ({"tau_range": (10, 2)}, r"tau_range=\(10, 2\)"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LeakyRNN(4, **kwargs)
