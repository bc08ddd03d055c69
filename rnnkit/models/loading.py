"""Loading a saved `.keras` model quickly on every backend.

Two costs of `keras.saving.load_model` that loading does not need:

- Keras 3.15's serializer asks `tf.available` of every object it serializes (to spot a
  `tf.TensorShape`), and `Bidirectional.from_config` serializes its inner layer: on JAX
  (or torch) with TensorFlow installed, loading any bidirectional model imports all of
  TensorFlow, seconds of a cold `rnnkit predict`. While TensorFlow is not imported, no
  object can be a `tf.TensorShape`, so `load_model` answers that probe "not available"
  for the duration of the load and restores it afterwards.
- Rebuilding the model draws every variable's initial value, and on JAX each
  initializer of each shape is a program compiled on first use (0.1-0.3 s each; a
  first `rnnkit translate` compiled 36 programs in 4.4 s, 17 in 1.3 s without them,
  `JAX_LOG_COMPILES=1`), only for the values to be overwritten from the file.
  `load_model` starts those variables as zeros instead (`initializers_skipped`).
"""

from __future__ import annotations

import contextlib
import sys

import keras
import numpy as np
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


@contextlib.contextmanager
def initializers_skipped():
    """Within: a variable created with a `keras.initializers.Initializer` starts as zeros
    of its shape and dtype, without running the initializer (other initial values,
    e.g. a seed generator's state, are made as usual). Only for code that then assigns
    every such variable, as loading a saved model does."""
    variable_class = keras.Variable
    original = variable_class._initialize_with_initializer

    def zeros_instead(variable, initializer):
        if not isinstance(initializer, keras.initializers.Initializer):
            return original(variable, initializer)
        try:
            zeros = np.zeros(variable.shape, dtype=variable.dtype)
        except TypeError:  # a dtype NumPy does not know
            return original(variable, initializer)
        return variable._initialize(variable._convert_to_tensor(zeros))

    variable_class._initialize_with_initializer = zeros_instead
    try:
        yield
    finally:
        variable_class._initialize_with_initializer = original


def load_model(path, **kwargs):
    """`keras.saving.load_model(path, **kwargs)`, without the TensorFlow import and the
    initializers above."""
    with tensorflow_unprobed(), initializers_skipped():
        return keras.saving.load_model(path, **kwargs)
