"""The attention encoder-decoder: step decoding equals teacher forcing, masking, save/load,
the masked loss against NumPy (its `.keras` file reloads on the other backend in
test_cross_backend.py)."""

import keras
import numpy as np
import pytest

from layer_testing import load_legacy_model, save_and_reload
from rnnkit.models.seq2seq import Seq2SeqInference, build_seq2seq
from rnnkit.models.token_loss import MaskedSparseCrossentropy, masked_sparse_crossentropy

SOURCE = np.array([[5, 9, 2, 7, 0, 0], [3, 4, 5, 6, 7, 8], [11, 0, 0, 0, 0, 0]], "int32")
TARGET_IN = np.array([[2, 4, 8, 9], [2, 6, 6, 1], [2, 7, 0, 0]], "int32")


def small(cell="gru", **kwargs):
    return build_seq2seq(20, 15, embedding_dim=6, cell=cell, encoder_units=5, decoder_units=7,
                         attention_units=4, **kwargs)


def log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


@pytest.mark.parametrize(("cell", "output_units", "cell_kwargs"), [
    ("gru", None, {}), ("lstm", 6, {}), ("leaky", 6, {}),
    ("stacked", 6, {"inner_cell": "lstm"}),  # 2 layers x (h, c): four decoder states
])
def test_step_decoding_equals_teacher_forcing(cell, output_units, cell_kwargs):
    model = small(cell, output_units=output_units, **cell_kwargs)
    inputs = {"source": SOURCE, "target_in": TARGET_IN}
    full = log_softmax(np.asarray(model.predict(inputs, verbose=0), "float64"))
    inference = Seq2SeqInference(model)
    encoded, states = inference.encode(SOURCE)
    for t in range(TARGET_IN.shape[1]):
        log_probs, weights, states = inference.step(TARGET_IN[:, t], states, encoded, SOURCE)
        np.testing.assert_allclose(log_probs, full[:, t], atol=1e-5)
        # attention: a distribution over the real source tokens, exactly 0 on padding
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-5)
        assert np.all(weights[SOURCE == 0] == 0.0)
        assert np.all(weights[SOURCE != 0] > 0.0)


def test_padding_of_the_source_changes_nothing():
    model = small()
    wider = np.concatenate([SOURCE, np.zeros((3, 5), "int32")], axis=1)
    a = model.predict({"source": SOURCE, "target_in": TARGET_IN}, verbose=0)
    b = model.predict({"source": wider, "target_in": TARGET_IN}, verbose=0)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_save_load_gives_identical_outputs(tmp_path):
    model = small(output_units=6, dropout=0.1)
    model.compile(optimizer="adam", loss=masked_sparse_crossentropy)
    inputs = {"source": SOURCE, "target_in": TARGET_IN}
    reloaded = save_and_reload(model, tmp_path)
    np.testing.assert_array_equal(reloaded.predict(inputs, verbose=0),
                                  model.predict(inputs, verbose=0))
    encoded, states = Seq2SeqInference(reloaded).encode(SOURCE)
    expected, expected_states = Seq2SeqInference(model).encode(SOURCE)
    np.testing.assert_array_equal(encoded, expected)
    np.testing.assert_array_equal(states[0], expected_states[0])


def test_masked_loss_matches_numpy():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 4, 6)).astype("float32")
    y = np.array([[3, 1, 4, 0], [5, 0, 0, 0]], "int32")
    ce = -np.take_along_axis(log_softmax(logits.astype("float64")), y[..., None], -1)[..., 0]
    expected = ce[y != 0].mean()
    got = float(keras.ops.convert_to_numpy(masked_sparse_crossentropy(y, logits)))
    assert got == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.3])
def test_label_smoothed_loss_matches_numpy(epsilon):
    """(1 - ε)·NLL + ε·mean over the vocabulary of -log p, over non-padding tokens."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(3, 5, 7)).astype("float32")
    y = np.array([[3, 1, 4, 0, 0], [5, 6, 2, 2, 1], [1, 0, 0, 0, 0]], "int32")
    log_p = log_softmax(logits.astype("float64"))
    nll = -np.take_along_axis(log_p, y[..., None], -1)[..., 0]
    expected = ((1 - epsilon) * nll - epsilon * log_p.mean(-1))[y != 0].mean()
    loss = MaskedSparseCrossentropy(label_smoothing=epsilon)
    assert float(keras.ops.convert_to_numpy(loss(y, logits))) == pytest.approx(expected,
                                                                               rel=1e-5)
    again = MaskedSparseCrossentropy.from_config(loss.get_config())
    assert again.label_smoothing == epsilon


def test_label_smoothing_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match="label_smoothing"):
        MaskedSparseCrossentropy(label_smoothing=1.0)


def test_a_model_learns_to_copy():
    """Teacher forcing on a copy task drives the loss far below the unigram level."""
    rng = np.random.default_rng(0)
    source = rng.integers(4, 12, size=(256, 5)).astype("int32")
    target_out = np.concatenate([source, np.full((256, 1), 3, "int32")], axis=1)
    target_in = np.concatenate([np.full((256, 1), 2, "int32"), source], axis=1)
    model = build_seq2seq(12, 12, embedding_dim=16, encoder_units=16, decoder_units=32,
                          attention_units=16)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=masked_sparse_crossentropy)
    history = model.fit({"source": source, "target_in": target_in}, target_out, epochs=30,
                        batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.2 * np.log(8)  # unigram: ~log 8 nats


def test_a_functional_seq2seq_saved_before_the_model_class_still_translates():
    """fixtures/legacy_seq2seq.json (+ _weights.npz): `build_seq2seq` of commit db51766
    (a plain functional model found by layer names); it loads, and `Seq2SeqInference`
    converts it to a `Seq2Seq` whose step decoding reproduces the old model's
    teacher-forced outputs."""
    from pathlib import Path

    from rnnkit.models.seq2seq import Seq2Seq

    fixtures = Path(__file__).parent / "fixtures"
    saved = np.load(fixtures / "legacy_outputs.npz")
    legacy = load_legacy_model("legacy_seq2seq")
    inputs = {"source": saved["source"], "target_in": saved["target_in"]}
    np.testing.assert_allclose(legacy.predict(inputs, verbose=0), saved["seq2seq"], atol=1e-6)
    inference = Seq2SeqInference(legacy)
    assert isinstance(inference.model, Seq2Seq)
    np.testing.assert_allclose(inference.model.predict(inputs, verbose=0), saved["seq2seq"],
                               atol=1e-6)
    expected = log_softmax(saved["seq2seq"].astype("float64"))
    encoded, states = inference.encode(saved["source"])
    for t in range(saved["target_in"].shape[1]):
        log_probs, _, states = inference.step(saved["target_in"][:, t], states, encoded,
                                              saved["source"])
        np.testing.assert_allclose(log_probs, expected[:, t], atol=1e-5)


def test_compile_defaults_to_the_masked_loss():
    model = small()
    model.compile()
    assert model.loss is masked_sparse_crossentropy
    assert isinstance(model.optimizer, keras.optimizers.Adam)


TARGET_OUT = np.array([[4, 8, 9, 3], [6, 6, 1, 3], [7, 3, 0, 0]], "int32")


@pytest.mark.parametrize("output_units", [None, 6])
def test_label_smoothing_from_the_features_trains_as_over_the_logits(output_units):
    """`compile(label_smoothing=ε)` takes ε·(z_y - mean z) from the output layer's input;
    fitting gives the losses and weights of `MaskedSparseCrossentropy(ε)` over the logits."""
    inputs = {"source": SOURCE, "target_in": TARGET_IN}
    from_features, over_logits = (small(output_units=output_units) for _ in range(2))
    bias = np.zeros(15, "float32")
    bias[np.unique(TARGET_OUT)] = 2.0  # the true tokens' logits stand out: z_y - mean z > 0
    from_features.logits.bias.assign(bias)
    over_logits.set_weights(from_features.get_weights())
    logits = from_features.predict(inputs, verbose=0).astype("float64")
    log_p = log_softmax(logits)
    nll = -np.take_along_axis(log_p, TARGET_OUT[..., None], -1)[..., 0]
    numpy_loss = (0.8 * nll - 0.2 * log_p.mean(-1))[TARGET_OUT != 0].mean()
    from_features.compile(optimizer=keras.optimizers.SGD(0.1), label_smoothing=0.2)
    over_logits.compile(optimizer=keras.optimizers.SGD(0.1),
                        loss=MaskedSparseCrossentropy(label_smoothing=0.2))
    start = from_features.evaluate(inputs, TARGET_OUT, verbose=0)
    assert start == pytest.approx(over_logits.evaluate(inputs, TARGET_OUT, verbose=0), rel=1e-5)
    assert start == pytest.approx(numpy_loss, rel=1e-5)
    assert numpy_loss - nll[TARGET_OUT != 0].mean() > 0.1  # the term is really there
    fits = [model.fit(inputs, TARGET_OUT, epochs=3, batch_size=3, shuffle=False,
                      verbose=0).history["loss"] for model in (from_features, over_logits)]
    np.testing.assert_allclose(fits[0], fits[1], rtol=1e-5)
    for a, b in zip(from_features.get_weights(), over_logits.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_label_smoothing_with_a_custom_loss_is_refused():
    with pytest.raises(ValueError, match="label_smoothing"):
        small().compile(loss=masked_sparse_crossentropy, label_smoothing=0.1)
