"""`rnnkit.models.load_model`: a saved bidirectional model loads on JAX without
importing TensorFlow, and gives the saved model's outputs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

from rnnkit.models import build_classifier, load_model
from rnnkit.models.loading import tensorflow_unprobed


def test_a_loaded_model_gives_the_saved_models_outputs(tmp_path):
    model = build_classifier(3, vocab_size=50, embedding_dim=8, cell="elman", units=6,
                             bidirectional=True, pooling="mean")
    x = np.random.default_rng(0).integers(1, 50, size=(4, 7)).astype("int32")
    path = tmp_path / "model.keras"
    model.save(path)
    np.testing.assert_array_equal(load_model(path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))


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
