"""The quantile head and the pinball loss against NumPy, and what they learn."""

import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.layers import MonotoneQuantiles
from rnnkit.losses import MedianMAE, PinballLoss
from rnnkit.models import build_forecaster

LEVELS = (0.1, 0.5, 0.9)


def softplus(x):
    return np.log1p(np.exp(x))


def test_head_matches_numpy_and_never_crosses():
    z = np.random.default_rng(0).normal(scale=5, size=(6, 4 * 3)).astype("float32")
    q = np.asarray(MonotoneQuantiles(4, LEVELS)(z))
    r = z.astype("float64").reshape(6, 4, 3)
    expected = np.stack([r[..., 0], r[..., 0] + softplus(r[..., 1]),
                         r[..., 0] + softplus(r[..., 1]) + softplus(r[..., 2])], -1)
    np.testing.assert_allclose(q, expected, rtol=1e-5, atol=1e-5)
    assert np.all(np.diff(q, axis=-1) > 0)


def test_pinball_loss_matches_numpy():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(5, 4)).astype("float32")
    q = np.sort(rng.normal(size=(5, 4, 3)), -1).astype("float32")
    e = y[..., None] - q
    tau = np.array(LEVELS)
    expected = np.mean(np.maximum(tau * e, (tau - 1) * e))
    assert float(PinballLoss(LEVELS)(y, q)) == pytest.approx(expected, rel=1e-5)
    metric = MedianMAE(LEVELS)
    metric.update_state(y, q)
    assert float(metric.result()) == pytest.approx(np.mean(np.abs(y - q[..., 1])), rel=1e-5)


def test_fitting_the_pinball_loss_finds_the_quantiles_of_the_data():
    """A constant model (bias only) fitted to exponential noise learns its quantiles."""
    keras.utils.set_random_seed(0)
    y = np.random.default_rng(2).exponential(size=(2000, 1)).astype("float32")
    inputs = keras.Input((1,))
    raw = keras.layers.Dense(3, kernel_initializer="zeros")(inputs)
    model = keras.Model(inputs, MonotoneQuantiles(1, LEVELS)(raw))
    rate = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=300)
    model.compile(keras.optimizers.Adam(rate), loss=PinballLoss(LEVELS))
    steps = np.tile(y, (300, 1))  # 300 full-batch steps in one epoch
    model.fit(np.zeros_like(steps), steps, epochs=1, batch_size=2000, shuffle=False, verbose=0)
    learned = np.asarray(model.predict(np.zeros((1, 1), "float32"), verbose=0))[0, 0]
    np.testing.assert_allclose(learned, np.quantile(y, LEVELS), atol=0.02)


def test_quantile_forecaster_saves_and_reloads(tmp_path):
    model = build_forecaster(8, 3, 5, cell="leaky", units=4, quantiles=LEVELS)
    assert model.output_shape == (None, 5, 3) and model.layers[-1].quantiles == LEVELS
    x = np.random.default_rng(3).normal(size=(2, 8, 3)).astype("float32")
    reloaded = save_and_reload(model, tmp_path)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert reloaded.layers[-1].quantiles == LEVELS


@pytest.mark.parametrize("levels", [(), (0.5, 0.1), (0.1, 0.1), (0.0, 0.5), (0.5, 1.0)])
def test_levels_must_increase_inside_zero_one(levels):
    with pytest.raises(ValueError, match="strictly increasing list of levels in"):
        MonotoneQuantiles(2, levels)
