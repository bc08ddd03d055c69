"""One contract over every public layer of `rnnkit.layers`.

A new public layer must be added to CASES below (the first test fails until
it is), and is then checked for config round trip, `.keras` save/load,
Bidirectional wrapping, a fit step, `jit_compile`, mixed precision and, for
cells, equality of the hoisted-projection path with a plain `keras.layers.RNN`.
"""

import inspect

import keras
import numpy as np
import pytest

import rnnkit.layers as L
from layer_testing import random_mask, save_and_reload

B, T, D = 4, 7, 3

RECURRENT = {
    "Elman": lambda **kw: L.Elman(5, output_units=3, **kw),
    "LeakyRNN": lambda **kw: L.LeakyRNN(5, learn_alpha=True, **kw),
    "SkipDelayRNN": lambda **kw: L.SkipDelayRNN(5, delays=(1, 3), **kw),
    "MultiScaleRNN": lambda **kw: L.MultiScaleRNN(4, periods=(1, 2), **kw),
    "DeepTransitionRNN": lambda **kw: L.DeepTransitionRNN(5, shortcut=True, **kw),
    "StackedRNN": lambda **kw: L.StackedRNN([L.LeakyRNN(4), L.LeakyRNN(4)], shortcuts=True,
                                            **kw),
}
CELLS = {
    "ElmanCell": lambda: L.ElmanCell(5, output_units=3),
    "LeakyCell": lambda: L.LeakyCell(5, alpha=0.8),
    "SkipDelayCell": lambda: L.SkipDelayCell(5, delays=(2, 3)),
    "MultiScaleCell": lambda: L.MultiScaleCell(4, periods=(1, 3)),
    "DeepTransitionCell": lambda: L.DeepTransitionCell(5, transition_depth=3),
}
OTHERS = {
    "DeepOutput": lambda **kw: L.DeepOutput(2, hidden_units=(6,), **kw),
    "BahdanauAttention": lambda **kw: L.BahdanauAttention(6, **kw),
    "AttentionPooling": lambda **kw: L.AttentionPooling(6, **kw),
    "MaskedMaxPooling": lambda **kw: L.MaskedMaxPooling(**kw),
    "MonotoneQuantiles": lambda **kw: L.MonotoneQuantiles(2, (0.1, 0.5, 0.9), **kw),
    "SeriesEmbedding": lambda **kw: L.SeriesEmbedding(3, 2, **kw),
    "HashedBigrams": lambda **kw: L.HashedBigrams(10, 8, **kw),
    "BagLinear": lambda **kw: L.BagLinear(10, 3, **kw),
    "ConvFrontEnd": lambda **kw: L.ConvFrontEnd((2, 3), **kw),
}
ALL = {**RECURRENT, **CELLS, **OTHERS}
BASE_KEYS = {"name", "trainable", "dtype"}


def data(seed=0):
    return np.random.default_rng(seed).normal(size=(B, T, D)).astype("float32")


def sequence_model(layer):
    inputs = keras.Input((T, D))
    outputs = layer(inputs)
    if isinstance(layer, L.BahdanauAttention):
        raise TypeError("attention is not a sequence layer")
    return keras.Model(inputs, keras.layers.Dense(1)(outputs))


def test_every_public_layer_is_covered():
    assert set(L.__all__) == set(ALL)


@pytest.mark.parametrize("name", sorted(ALL))
def test_init_parameters_match_config_keys(name):
    layer = ALL[name]()
    params = set(inspect.signature(type(layer).__init__).parameters) - {"self", "kwargs"}
    config = set(layer.get_config()) - BASE_KEYS
    assert params == config
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


@pytest.mark.parametrize("name", sorted({**RECURRENT, "DeepOutput": None,
                                         "AttentionPooling": None,
                                         "MaskedMaxPooling": None}))
def test_save_and_load_give_identical_outputs(name, tmp_path):
    model = sequence_model(ALL[name]())
    x = data()
    before = model.predict(x, verbose=0)
    after = save_and_reload(model, tmp_path).predict(x, verbose=0)
    np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_cell_in_plain_keras_rnn_equals_hoisted_layer_and_saves(name, tmp_path):
    cell = CELLS[name]()
    inputs = keras.Input((T, D))
    plain = keras.layers.RNN(cell, return_sequences=True)
    model = keras.Model(inputs, plain(inputs))
    x = data(1)
    layer_class = RECURRENT[name.replace("Cell", "RNN" if name != "ElmanCell" else "")]
    config = {k: v for k, v in cell.get_config().items() if k not in BASE_KEYS}
    hoisted = type(layer_class())(**config, return_sequences=True)
    hoisted.build(x.shape)
    hoisted.set_weights(cell.get_weights())
    mask = random_mask(B, T)
    sizes = cell.state_size if isinstance(cell.state_size, list) else [cell.state_size]
    if keras.backend.backend() == "jax" and cell.output_size != sizes[0]:
        mask = None  # JAX's masked scan takes states[0] as the previous output
    np.testing.assert_allclose(hoisted(x, mask=mask), plain(x, mask=mask), atol=1e-6)
    after = save_and_reload(model, tmp_path).predict(x, verbose=0)
    np.testing.assert_array_equal(after, model.predict(x, verbose=0))


@pytest.mark.parametrize("name", sorted(RECURRENT))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional(name, return_sequences, tmp_path):
    forward = RECURRENT[name](return_sequences=return_sequences)
    layer = keras.layers.Bidirectional(forward)
    x, mask = data(2), random_mask(B, T)
    inputs = keras.Input((T, D))
    model = keras.Model(inputs, layer(inputs))
    out = np.asarray(layer(x))
    single = RECURRENT[name](return_sequences=return_sequences)(x, mask=mask)
    assert out.shape[-1] == 2 * np.asarray(single).shape[-1]
    assert np.all(np.isfinite(layer(x, mask=mask)))
    # the backward half over a reversed sequence equals a forward layer over it
    back = layer.backward_layer
    reverse = type(back).from_config({**back.get_config(), "go_backwards": False})
    reverse.build(x.shape)
    reverse.set_weights(back.get_weights())
    expected = np.asarray(reverse(x[:, ::-1]))
    half = out[..., out.shape[-1] // 2:]
    np.testing.assert_allclose(half, expected[:, ::-1] if return_sequences else expected,
                               atol=1e-5)
    after = save_and_reload(model, tmp_path).predict(x, verbose=0)
    np.testing.assert_array_equal(after, model.predict(x, verbose=0))


@pytest.mark.parametrize("name", sorted({**RECURRENT, "DeepOutput": None}))
def test_one_fit_step_keeps_everything_finite(name):
    model = sequence_model(ALL[name]())
    model.compile(optimizer="adam", loss="mse")
    x = data(3)
    y = np.random.default_rng(3).normal(size=model.output.shape[1:]).astype("float32")
    history = model.fit(x, np.broadcast_to(y, (B, *y.shape)), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


@pytest.mark.parametrize("name", sorted({**RECURRENT, "DeepOutput": None}))
def test_jit_compile_gives_the_same_outputs(name):
    model = sequence_model(ALL[name]())
    x = data(4)
    eager = np.asarray(model(x))
    model.compile(loss="mse", jit_compile=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), eager, atol=1e-5)


@pytest.mark.parametrize("name", sorted({**RECURRENT, "DeepOutput": None}))
def test_mixed_precision_close_to_float32(name):
    x = data(5)
    exact = ALL[name]()
    mixed = ALL[name](dtype="mixed_float16")
    y32 = np.asarray(exact(x))
    y16 = mixed(x)
    assert keras.backend.standardize_dtype(y16.dtype) == "float16"
    mixed.set_weights(exact.get_weights())
    np.testing.assert_allclose(np.asarray(mixed(x), "float32"), y32, atol=2e-2)
