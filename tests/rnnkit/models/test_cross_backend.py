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

from rnnkit.models import RECURRENT_NAMES, build_classifier, build_forecaster, build_recurrent

OTHER = {"tensorflow": "jax", "jax": "tensorflow"}[keras.backend.backend()]

RELOAD = textwrap.dedent("""
    import sys, numpy as np, keras
    import rnnkit.layers  # registers the rnnkit serializables
    folder = sys.argv[1]
    x = np.load(f"{folder}/x.npy")
    for name in sys.argv[2:]:
        model = keras.models.load_model(f"{folder}/{name}.keras")
        np.save(f"{folder}/{name}.other.npy", model.predict(x, verbose=0))
""")


def test_every_registry_model_reloads_on_the_other_backend(tmp_path):
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    models = {}
    for name in RECURRENT_NAMES:
        inputs = keras.Input((9, 3))
        hidden = build_recurrent(name, 8, bidirectional=name in ("leaky", "gru"))(inputs)
        models[name] = keras.Model(inputs, keras.layers.Dense(2)(hidden))
    models["forecaster"] = build_forecaster(9, 3, 4, cell="dts", deep_output=(5,))
    models["classifier"] = build_classifier(3, input_dim=3, cell="multiscale", units=4,
                                            periods=(1, 2), pooling="attention")
    expected = {}
    for name, model in models.items():
        model.save(tmp_path / f"{name}.keras")
        expected[name] = model.predict(x, verbose=0)
    env = {**os.environ, "KERAS_BACKEND": OTHER, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", RELOAD, str(tmp_path), *models], env=env,
                   check=True, capture_output=True, timeout=600)
    for name in models:
        np.testing.assert_allclose(np.load(tmp_path / f"{name}.other.npy"), expected[name],
                                   atol=1e-5, err_msg=name)
