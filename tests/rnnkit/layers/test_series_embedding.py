"""The series embedding against NumPy, its unseen-series row, and what it lets a global
model learn that a window alone cannot tell."""

import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.layers import SeriesEmbedding
from rnnkit.models import build_forecaster


def test_every_step_gets_its_series_vector_and_unknown_ids_the_last_row():
    layer = SeriesEmbedding(3, 2)
    window = np.random.default_rng(0).normal(size=(5, 4, 3)).astype("float32")
    ids = np.array([0, 2, 1, 3, -1])
    out = np.asarray(layer([window, ids]))
    table = np.asarray(layer.embeddings)
    assert table.shape == (4, 2)
    rows = np.array([0, 2, 1, 3, 3])  # 3 and -1 were never seen: row S = 3
    expected = np.concatenate([window, np.repeat(table[rows][:, None], 4, axis=1)], -1)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_in_training_a_share_of_the_windows_reads_the_unseen_row():
    layer = SeriesEmbedding(4, 3, unknown_rate=0.25, seed=1)
    ids = np.arange(4000) % 4
    window = np.zeros((4000, 1, 1), dtype="float32")
    table = np.asarray(layer([window, ids]))  # builds; inference first: no ids replaced
    vectors = np.asarray(layer.embeddings)
    np.testing.assert_allclose(table[:, 0, 1:], vectors[ids], rtol=1e-6)
    trained = np.asarray(layer([window, ids], training=True))[:, 0, 1:]
    unseen = np.all(np.isclose(trained, vectors[4]), axis=1)
    assert unseen.mean() == pytest.approx(0.25, abs=0.03)
    np.testing.assert_allclose(trained[~unseen], vectors[ids[~unseen]], rtol=1e-6)


@pytest.mark.parametrize("kwargs", [{"num_series": 0, "dim": 2}, {"num_series": 2, "dim": 0},
                                    {"num_series": 2, "dim": 2, "unknown_rate": 1.0}])
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        SeriesEmbedding(**kwargs)


def test_a_global_forecaster_saves_and_reloads_identically(tmp_path):
    model = build_forecaster(6, 2, 3, units=4, num_series=3, series_embedding=2)
    inputs = {"window": np.random.default_rng(2).normal(size=(4, 6, 2)).astype("float32"),
              "series": np.array([0, 1, 2, 7])}
    reloaded = save_and_reload(model, tmp_path)
    np.testing.assert_array_equal(reloaded.predict(inputs, verbose=0),
                                  model.predict(inputs, verbose=0))


def _ar_windows(phi, n, rng):
    """Windows of one step of AR(1) series `y' = φ y + ε`, one φ per series."""
    series = rng.integers(len(phi), size=n)
    y = rng.normal(size=n)
    target = np.asarray(phi)[series] * y + rng.normal(scale=0.1, size=n)
    return y.reshape(n, 1, 1).astype("float32"), series, target[:, None].astype("float32")


def test_the_embedding_tells_apart_series_whose_windows_look_alike():
    # y' = 0.9 y in one series and -0.9 y in the other: from the window alone the best
    # forecast is 0 (MAE ≈ 0.72); knowing the series it is ±0.9 y (MAE ≈ 0.08).
    rng = np.random.default_rng(0)
    x, series, y = _ar_windows([0.9, -0.9], 1024, rng)
    tx, tseries, ty = _ar_windows([0.9, -0.9], 512, rng)
    errors = {}
    for width in (0, 2):
        keras.utils.set_random_seed(0)
        model = build_forecaster(1, 1, 1, units=8, num_series=2, series_embedding=width)
        model.compile(keras.optimizers.Adam(0.03), "mae")
        inputs = {"window": x, "series": series} if width else x
        model.fit(inputs, y, batch_size=64, epochs=10, verbose=0)
        test = {"window": tx, "series": tseries} if width else tx
        errors[width] = float(np.mean(np.abs(model.predict(test, verbose=0) - ty)))
    assert errors[0] > 0.5
    assert errors[2] < 0.5 * errors[0], errors
