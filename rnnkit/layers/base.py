"""Shared machinery of rnnkit's recurrent cells and layers.

A cell whose input enters only through an affine map `U x_t + b` can have that
map applied to the whole sequence `[B, T, D] -> [B, T, P]` with one matmul
before the time loop; the loop then only does the recurrent part. That pays when
the projection does not widen the inputs (`D ≥ P`, e.g. word vectors into fewer
units); a narrow input (16 features into 128 units) is cheaper projected per step,
since the loop then carries `D`, not `P`, values per step.

`RecurrentCell` splits a cell into `project_inputs` (time-independent) and
`step` (recurrent). Used by a plain `keras.layers.RNN`, the cell projects each
step itself; used by its own `RecurrentLayer`, the projection is hoisted where
`hoists_projection` says so, and a read-out (`project_outputs`) always follows the
loop.
"""

import contextlib
import re

import keras
from keras import activations, initializers, ops, regularizers

BASE_CELL_ARGUMENTS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
)
RNN_FLAGS = (
    "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
    "zero_output_for_mask",
)


def base_cell_arguments(arguments):
    """The `RecurrentCell` arguments among a subclass's `__init__` `locals()`."""
    return {name: arguments[name] for name in BASE_CELL_ARGUMENTS}


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value!r}"
        )
    return value


def get_activation(name, value):
    """`keras.activations.get` with an error naming the argument."""
    try:
        return activations.get(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"Unknown activation for `{name}`. Received: {name}={value!r}"
        ) from error


class RecurrentCell(keras.layers.Layer):
    """Base class of rnnkit cells: input projection + recurrent step.

    Subclasses set `state_size`/`output_size`, create weights in `build`, and
    implement `project_inputs(inputs)` (valid for `[B, D]` and `[B, T, D]`)
    and `step(projected, states, training=False) -> (output, new_states)`.

    Args:
        units: Positive integer, dimensionality of the hidden state.
        activation: Nonlinearity `f` of the state update. Default: `"tanh"`.
        use_bias: Whether the update has a bias `b`. Default: `True`.
        kernel_initializer: Initializer of the input weights `U`.
        recurrent_initializer: Initializer of the recurrent weights `W`.
        bias_initializer: Initializer of `b`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            Optional regularizers of `U`, `W` and `b`.
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int("units", units)
        self.activation = get_activation("activation", activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self._inputs_projected = self._in_layer_loop = False

    # --- weights -----------------------------------------------------------
    def add_kernel(self, shape, name="kernel"):
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )

    def add_recurrent_kernel(self, shape, name="recurrent_kernel"):
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
        )

    def add_bias(self, shape, name="bias"):
        if not self.use_bias:
            return None
        return self.add_weight(
            shape=shape,
            name=name,
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
        )

    def affine(self, inputs, kernel, bias=None):
        """`inputs @ kernel (+ bias)` for inputs of any rank.

        The bias goes through `ops.add`, not `+`: on TensorFlow that is a `BiasAdd`,
        which Grappler fuses with the `MatMul` on CPU and whose gradient is one
        `BiasAddGrad` (Python's `+` is a broadcasting `AddV2` reduced by `Sum` +
        `Reshape` in the backward pass), as in Keras's own cells. Inside the time loop
        that was the gap between `Elman` and `SimpleRNN` on TensorFlow without XLA
        (`experiments/results/bench.md`).
        """
        outputs = ops.matmul(inputs, kernel)
        return outputs if bias is None else ops.add(outputs, bias)

    # --- the two halves of a step -----------------------------------------
    def project_inputs(self, inputs):
        raise NotImplementedError

    def step(self, projected, states, training=False):
        """One recurrent step; its output must be `states[0]` (see `project_outputs`)."""
        raise NotImplementedError

    def project_outputs(self, outputs):
        """Read-out applied to the step output; not fed back, so hoistable."""
        return outputs

    def call(self, inputs, states, training=False):
        projected = inputs if self._inputs_projected else self.project_inputs(inputs)
        output, new_states = self.step(projected, states, training=training)
        if self._in_layer_loop:  # the layer reads out after its loop
            return output, new_states
        return self.project_outputs(output), new_states

    def hoists_projection(self, input_dim):
        """Whether `RecurrentLayer` applies `project_inputs` to the whole sequence before
        its loop: when that does not widen the inputs (`D ≥ P`, the kernel's columns).

        Hoisted, the loop carries `[B, T, P]` projections through the time loop (and
        their gradients back); a narrow input projected per step moves less memory:
        on an input of 16 features into 128 units, hoisting ran at 0.86× Keras's
        `SimpleRNN` on TensorFlow and per-step projection at 0.99×
        (`experiments/bench_layers.py`).
        """
        kernel = getattr(self, "kernel", None)
        return kernel is None or input_dim is None or int(input_dim) >= int(kernel.shape[-1])

    @contextlib.contextmanager
    def in_layer_loop(self, inputs_projected):
        """Within this block `call` is the body of `RecurrentLayer`'s loop: it takes
        inputs already through `project_inputs` when `inputs_projected`, and leaves
        the read-out (`project_outputs`) to the layer."""
        self._in_layer_loop, self._inputs_projected = True, bool(inputs_projected)
        try:
            yield
        finally:
            self._in_layer_loop, self._inputs_projected = False, False

    def get_initial_state(self, batch_size=None):
        return [
            ops.zeros((batch_size, size), dtype=self.compute_dtype)
            for size in _as_list(self.state_size)
        ]

    def get_config(self):
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }
        return {**super().get_config(), **config}


def _as_list(size):
    return list(size) if isinstance(size, (list, tuple)) else [size]


class RecurrentLayer(keras.layers.RNN):
    """`keras.layers.RNN` over a `RecurrentCell`, projecting inputs once.

    A subclass declares every argument of its cell plus the `RNN` flags in its
    own `__init__` signature (as Keras's `SimpleRNN` does) and passes them on
    with `super().__init__(CellClass, locals(), **kwargs)`; `get_config`
    returns them flat, without `"cell"`, so `from_config` is `cls(**config)`.
    """

    _CELL_BASE_KEYS = ("name", "trainable", "dtype")

    def __init__(self, cell_class, arguments, **kwargs):
        arguments = {
            k: v for k, v in arguments.items() if k not in ("self", "kwargs", "__class__")
        }
        flags = {name: arguments.pop(name) for name in RNN_FLAGS}
        cell = cell_class(
            **arguments,
            name=re.sub(r"(?<!^)(?=[A-Z])", "_", cell_class.__name__).lower(),
            dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True),
        )
        super().__init__(cell, **flags, **kwargs)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        # U x_t + b for every t in one matmul before the time loop where that does
        # not widen the inputs (`hoists_projection`), and any read-out after it.
        # Inside the loop the step output is the new `states[0]`, which is what
        # every backend's masking assumes.
        hoist = self.cell.hoists_projection(sequences.shape[-1])
        inputs = self.cell.project_inputs(sequences) if hoist else sequences
        with self.cell.in_layer_loop(inputs_projected=hoist):
            last, outputs, states = super().inner_loop(
                inputs, initial_state, mask, training=training
            )
        if type(self.cell).project_outputs is RecurrentCell.project_outputs:
            return last, outputs, states
        last = self.cell.project_outputs(last)
        outputs = self.cell.project_outputs(outputs)
        if mask is not None and self.zero_output_for_mask and self.return_sequences:
            keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
            outputs = ops.where(keep, outputs, ops.zeros_like(outputs))
        return last, outputs, states

    @property
    def units(self):
        return self.cell.units

    def get_config(self):
        config = super().get_config()
        config.pop("cell", None)
        cell_config = {
            key: value
            for key, value in self.cell.get_config().items()
            if key not in self._CELL_BASE_KEYS
        }
        return {**config, **cell_config}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
