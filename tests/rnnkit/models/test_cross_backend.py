"""A `.keras` file saved under one backend loads under the other with the same outputs.

The suite runs under TensorFlow and again under JAX (`make test`): each run saves
every registry model here and reloads it in a subprocess on the other backend.
"""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

from rnnkit.models import (
    RECURRENT_NAMES,
    build_classifier,
    build_forecaster,
    build_recurrent,
    build_seq2seq,
)

OTHER = {"tensorflow": "jax", "jax": "tensorflow"}[keras.backend.backend()]

RELOAD = textwrap.dedent("""
    import sys, numpy as np, keras
    import rnnkit.models  # registers the rnnkit serializables (layers and seq2seq)
    folder = sys.argv[1]
    for name in sys.argv[2:]:
        inputs = dict(np.load(f"{folder}/{name}.inputs.npz"))
        model = keras.models.load_model(f"{folder}/{name}.keras")
        x = inputs["x"] if list(inputs) == ["x"] else inputs
        np.save(f"{folder}/{name}.other.npy", model.predict(x, verbose=0))
""")


def test_every_registry_model_reloads_on_the_other_backend(tmp_path):
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype("float32")
    models = {}
    for name in RECURRENT_NAMES:
        inputs = keras.Input((9, 3))
        hidden = build_recurrent(name, 8, bidirectional=name in ("leaky", "gru"))(inputs)
        models[name] = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    models["forecaster"] = build_forecaster(9, 3, 4, cell="dts", deep_output=(5,))
    models["classifier"] = build_classifier(3, input_dim=3, cell="multiscale", units=4,
                                            periods=(1, 2), pooling="attention")
    models["seq2seq"] = build_seq2seq(20, 15, embedding_dim=6, encoder_units=5,
                                      decoder_units=7, attention_units=4, output_units=6)
    seq2seq_inputs = {"source": np.array([[5, 9, 2, 7, 0], [3, 4, 0, 0, 0]], "int32"),
                      "target_in": np.array([[2, 4, 8], [2, 6, 0]], "int32")}
    expected = {}
    for name, model in models.items():
        inputs = seq2seq_inputs if name == "seq2seq" else {"x": x}
        np.savez(tmp_path / f"{name}.inputs.npz", **inputs)
        model.save(tmp_path / f"{name}.keras")
        expected[name] = model.predict(inputs if name == "seq2seq" else x, verbose=0)
    env = {**os.environ, "KERAS_BACKEND": OTHER, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", RELOAD, str(tmp_path), *models], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in models:
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.other.npy"), expected[name],
                                   atol=1e-5, err_msg=name)
