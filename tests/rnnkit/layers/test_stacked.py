import keras
import numpy as np
import pytest

from layer_testing import load_legacy_model, random_mask, save_and_reload
from rnnkit.layers import Elman, LeakyCell, LeakyRNN, StackedRNN

B, T, D = 3, 8, 4


def test_plain_stack_equals_keras_layers_in_sequence():
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype("float32")
    stack = StackedRNN([keras.layers.GRU(5), keras.layers.GRU(6)], return_sequences=True)
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
    stack = StackedRNN([Elman(5) for _ in range(3)], shortcuts=True,
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
    stack = StackedRNN([keras.layers.LSTM(4), keras.layers.LSTM(4)], return_sequences=True,
                       return_state=True)
    whole, *_ = stack(x)
    first, *states = stack(x[:, :3])
    assert len(states) == 4  # (h, c) per LSTM layer
    second, *_ = stack(x[:, 3:], initial_state=states)
    np.testing.assert_allclose(np.concatenate([first, second], 1), whole, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="non-empty list"):
        StackedRNN([])
    with pytest.raises(ValueError, match="non-empty list"):
        StackedRNN(keras.layers.GRU(4))
    with pytest.raises(ValueError, match="neither a recurrent layer nor a cell"):
        StackedRNN([keras.layers.Dense(4)])


def test_mixed_layers_and_cells_serialise_as_instances(tmp_path):
    """Any mix of Keras and rnnkit layers and bare cells, each serialised with its own
    config (as keras.layers.StackedRNNCells does), reloads to identical outputs."""
    x = np.random.default_rng(3).normal(size=(B, T, D)).astype("float32")
    stack = StackedRNN([keras.layers.GRU(5), LeakyRNN(4, alpha=0.5), LeakyCell(3, alpha=0.9)],
                       shortcuts=True)
    model = keras.Sequential([keras.Input((T, D)), stack])
    config = stack.get_config()
    assert [c["class_name"] for c in config["layers"]] == ["GRU", "LeakyRNN", "RNN"]
    assert config["layers"][1]["config"]["alpha"] == 0.5
    assert "cell" not in config and "units" not in config
    np.testing.assert_array_equal(save_and_reload(model, tmp_path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_a_stack_saved_by_name_in_the_old_format_still_loads():
    """tests/rnnkit/models/fixtures/legacy_stacked.json (+ _weights.npz): StackedRNN([4, 3],
    cell="leaky", shortcuts=True), saved by rnnkit at commit db51766."""
    from pathlib import Path

    fixtures = Path(__file__).parents[1] / "models" / "fixtures"
    saved = np.load(fixtures / "legacy_outputs.npz")
    model = load_legacy_model("legacy_stacked")
    stack = model.layers[0]
    assert [type(layer).__name__ for layer in stack.recurrent_layers] == ["LeakyRNN"] * 2
    assert stack.units == [4, 3] and stack.shortcuts
    np.testing.assert_allclose(model.predict(saved["x"], verbose=0), saved["stacked"],
                               atol=1e-6)
