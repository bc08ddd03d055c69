"""A `.keras` file saved under one backend loads under the other with the same outputs.

One test, both ways: the registry models saved here are reloaded in a subprocess on the
other backend, which saves its own, reloaded here. (`make test` runs it in the
TensorFlow half; run alone under `KERAS_BACKEND=jax` it checks the same two directions.)
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from rnnkit.models import (
    RECURRENT_NAMES,
    build_classifier,
    build_forecaster,
    build_recurrent,
    build_seq2seq,
)

OTHER = {"tensorflow": "jax", "jax": "tensorflow"}[keras.backend.backend()]

OTHER_SIDE = textwrap.dedent("""
    import sys, numpy as np, keras
    sys.path.insert(0, sys.argv[1])
    from test_cross_backend import reload_outputs, save_models
    reload_outputs(sys.argv[2])  # what was saved on the first backend
    save_models(sys.argv[3])  # and the same models saved on this one
""")


def build_models() -> dict:
    """Every registry recurrent layer under a dense head, a forecaster, a classifier and a
    seq2seq translator, each with its inputs: ``name -> (model, inputs)``."""
    x = np.random.default_rng(0).normal(size=(4, 9, 3)).astype("float32")
    models = {}
    for name in RECURRENT_NAMES:
        inputs = keras.Input((9, 3))
        hidden = build_recurrent(name, 8, bidirectional=name in ("leaky", "gru"))(inputs)
        models[name] = (keras.Model(inputs, keras.layers.Dense(2)(hidden)), {"x": x})
    models["forecaster"] = (build_forecaster(9, 3, 4, cell="dts", deep_output=(5,)), {"x": x})
    models["classifier"] = (build_classifier(3, input_dim=3, cell="multiscale", units=4,
                                             periods=(1, 2), pooling="attention"), {"x": x})
    models["seq2seq"] = (build_seq2seq(20, 15, embedding_dim=6, encoder_units=5,
                                       decoder_units=7, attention_units=4, output_units=6),
                         {"source": np.array([[5, 9, 2, 7, 0], [3, 4, 0, 0, 0]], "int32"),
                          "target_in": np.array([[2, 4, 8], [2, 6, 0]], "int32")})
    return models


def _outputs(model, inputs: dict) -> np.ndarray:
    """The model called on its inputs (inference mode): what ``predict`` answers, without
    compiling a predict function for each of the models on each backend."""
    fed = inputs["x"] if list(inputs) == ["x"] else inputs
    return keras.ops.convert_to_numpy(model(fed, training=False))


def save_models(folder) -> list[str]:
    """Save each model, its inputs and its outputs on this backend under ``folder``."""
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    models = build_models()
    for name, (model, inputs) in models.items():
        np.savez(folder / f"{name}.inputs.npz", **inputs)
        model.save(folder / f"{name}.keras")
        np.save(folder / f"{name}.expected.npy", _outputs(model, inputs))
    return sorted(models)


def reload_outputs(folder) -> None:
    """Load each saved model under ``folder`` on this backend and save its outputs."""
    import rnnkit.models  # noqa: F401  (registers the rnnkit serializables)

    for path in sorted(Path(folder).glob("*.keras")):
        inputs = dict(np.load(path.with_suffix(".inputs.npz")))
        model = keras.models.load_model(path)
        np.save(path.with_suffix(".reloaded.npy"), _outputs(model, inputs))


def _assert_same(folder, names) -> None:
    for name in names:
        np.testing.assert_allclose(np.load(folder / f"{name}.reloaded.npy"),
                                   np.load(folder / f"{name}.expected.npy"),
                                   atol=1e-5, err_msg=f"{name} ({folder.name})")


@pytest.mark.slow
def test_every_registry_model_reloads_on_the_other_backend(tmp_path):
    here, there = tmp_path / keras.backend.backend(), tmp_path / OTHER
    names = save_models(here)
    env = {**os.environ, "KERAS_BACKEND": OTHER, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", OTHER_SIDE, str(Path(__file__).parent),
                           str(here), str(there)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    _assert_same(here, names)  # saved here, loaded there
    reload_outputs(there)
    assert sorted(p.stem for p in there.glob("*.keras")) == names
    _assert_same(there, names)  # saved there, loaded here
