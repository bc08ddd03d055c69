"""`rnnkit.models.load_model`: a saved bidirectional model loads on JAX without
importing TensorFlow and without running its initializers, and gives the saved model's
outputs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

from rnnkit.models import build_classifier, build_seq2seq, load_model
from rnnkit.models.loading import initializers_skipped, tensorflow_unprobed


def test_a_loaded_model_gives_the_saved_models_outputs(tmp_path):
    model = build_classifier(3, vocab_size=50, embedding_dim=8, cell="elman", units=6,
                             bidirectional=True, pooling="mean")
    x = np.random.default_rng(0).integers(1, 50, size=(4, 7)).astype("int32")
    path = tmp_path / "model.keras"
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_loading_runs_no_initializer_and_restores_them_after(tmp_path, monkeypatch):
    """Every weight of a loaded model comes from the file (outputs equal to the saved
    model's, seq2seq with dropout, a bottleneck and a bidirectional encoder), none from
    an initializer; a layer made after loading is initialized as usual."""
    model = build_seq2seq(20, 15, embedding_dim=6, encoder_units=5, decoder_units=7,
                          attention_units=4, output_units=6, dropout=0.1)
    inputs = {"source": np.array([[5, 9, 2, 7, 0]], "int32"),
              "target_in": np.array([[2, 4, 8, 9]], "int32")}
    path = tmp_path / "model.keras"
    model.save(path)
    calls = []
    original = keras.initializers.GlorotUniform.__call__
    monkeypatch.setattr(keras.initializers.GlorotUniform, "__call__",
                        lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    loaded = load_model(path, compile=False)
    assert calls == []
    np.testing.assert_array_equal(loaded.predict(inputs, verbose=0),
                                  model.predict(inputs, verbose=0))
    fresh = keras.layers.Dense(3)
    fresh.build((None, 4))
    assert calls and np.abs(keras.ops.convert_to_numpy(fresh.kernel)).sum() > 0


def test_outside_loading_initializers_run():
    with initializers_skipped():
        inside = keras.layers.Dense(3, bias_initializer="ones")
        inside.build((None, 4))
    outside = keras.layers.Dense(3, bias_initializer="ones")
    outside.build((None, 4))
    assert not np.any(keras.ops.convert_to_numpy(inside.bias))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(outside.bias), np.ones(3))


def test_the_tensorflow_probe_is_restored_after_loading():
    from keras.src.utils import module_utils

    before = module_utils.tensorflow._available
    with tensorflow_unprobed():
        pass
    assert module_utils.tensorflow._available == before


def test_on_jax_loading_a_bidirectional_model_does_not_import_tensorflow(tmp_path):
    model = build_classifier(2, vocab_size=20, embedding_dim=4, cell="gru", units=3,
                             bidirectional=True, pooling="mean_max")
    x = np.arange(1, 11, dtype="int32").reshape(2, 5)
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "expected.npy", keras.ops.convert_to_numpy(model(x)))
    probe = textwrap.dedent(f"""
        import sys
        import numpy as np
        from rnnkit.models import load_model
        model = load_model({str(tmp_path / "model.keras")!r})
        x = np.arange(1, 11, dtype="int32").reshape(2, 5)
        expected = np.load({str(tmp_path / "expected.npy")!r})
        np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-6)
        print("tensorflow" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
