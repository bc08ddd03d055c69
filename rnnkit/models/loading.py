"""Loading a saved `.keras` model without importing TensorFlow on another backend.

Keras 3.15's serializer asks `tf.available` of every object it serializes (to spot a
`tf.TensorShape`), and `Bidirectional.from_config` serializes its inner layer: on JAX
(or torch) with TensorFlow installed, loading any bidirectional model imports all of
TensorFlow, seconds of a cold `rnnkit predict`. While TensorFlow is not imported, no
object can be a `tf.TensorShape`, so `load_model` answers that probe "not available"
for the duration of the load and restores it afterwards.
"""

from __future__ import annotations

import contextlib
import sys

import keras
from keras.src.utils import module_utils


@contextlib.contextmanager
def tensorflow_unprobed():
    """Within: Keras's lazy `tensorflow` module reads as unavailable, unless the backend
    is TensorFlow or TensorFlow is already imported (then nothing changes)."""
    lazy = module_utils.tensorflow
    if keras.backend.backend() == "tensorflow" or "tensorflow" in sys.modules \
            or lazy._available is not None:
        yield
        return
    lazy._available = False
    try:
        yield
    finally:
        lazy._available = None


def load_model(path, **kwargs):
    """`keras.saving.load_model(path, **kwargs)`, without the TensorFlow import above."""
    with tensorflow_unprobed():
        return keras.saving.load_model(path, **kwargs)
