"""The registry contract: every name builds, trains, saves, reloads, predicts the same."""

import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.models import RECURRENT_NAMES, build_recurrent

B, T, D = 8, 6, 3


def test_names():
    assert set(RECURRENT_NAMES) == {
        "simple", "elman", "leaky", "skip_delay", "multiscale", "dt", "dts", "lstm", "gru",
        "stacked",
    }


@pytest.mark.parametrize("name", RECURRENT_NAMES)
def test_builds_trains_saves_reloads(name, tmp_path):
    """Inside `Bidirectional`, which builds, trains and serializes the layer twice over
    (the plain layers' own save/reload is in `tests/rnnkit/layers`)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    inputs = keras.Input((T, D))
    hidden = build_recurrent(name, 8, bidirectional=True)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)  # two steps
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    prediction = model.predict(x, verbose=0)
    np.testing.assert_array_equal(save_and_reload(model, tmp_path).predict(x, verbose=0),
                                  prediction)


def test_return_sequences_and_kwargs_reach_the_layer():
    layer = build_recurrent("skip_delay", 4, return_sequences=True, delays=(1, 5))
    assert layer.cell.delays == (1, 5)
    assert layer(np.zeros((2, 7, 3), "float32")).shape == (2, 7, 4)
    assert build_recurrent("dts", 4).cell.shortcut


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Valid names: simple, elman.*name='rnn'"):
        build_recurrent("rnn", 4)


def test_stacked_takes_its_inner_cell_where_cell_is_the_registry_name():
    from rnnkit.models import build_classifier, build_forecaster

    model = build_forecaster(12, 3, 2, cell="stacked", units=8, num_layers=2,
                             inner_cell="lstm")
    stacked = next(layer for layer in model.layers if "stacked" in layer.name)
    assert stacked.num_layers == 2
    assert [type(r).__name__ for r in stacked.recurrent_layers] == ["LSTM", "LSTM"]
    classifier = build_classifier(4, input_dim=3, cell="stacked", units=8, inner_cell="elman")
    assert classifier.output_shape == (None, 4)
