"""Elman's simple recurrent network, written from the textbook equations."""

import keras
from keras import activations, ops

from rnnkit.layers.base import (
    RecurrentCell,
    RecurrentLayer,
    base_cell_arguments,
    check_positive_int,
    get_activation,
)


@keras.saving.register_keras_serializable(package="rnnkit")
class ElmanCell(RecurrentCell):
    """Cell of the Elman network (simple recurrent network).

    ```
    h(t) = f(U·x(t) + W·h(t-1) + b_h)
    y(t) = g(V·h(t) + b_y)          # only when output_units is set
    ```
    with `h(0) = 0` unless an initial state is given. Without `output_units`
    the cell outputs `h(t)` (then it computes what `SimpleRNNCell` does).
    `y` does not feed back, so the `Elman` layer computes it for all steps
    after the loop; prefer the layer for masked sequences on JAX, whose
    masked scan takes a cell's first state for its previous output.

    Args:
        units: Positive integer, dimensionality of `h`.
        activation: Hidden nonlinearity `f`. Default: `"tanh"`.
        output_units: Optional positive integer, dimensionality of `y`;
            `None` (default) means the output is `h(t)` itself.
        output_activation: Output nonlinearity `g`. Default: `None` (linear).
        use_bias: Whether `b_h` (and `b_y`) are used. Default: `True`.
        kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer:
            for `U` (and `V`), `W`, and the biases.

    Example:

    ```python
    cell = ElmanCell(8, output_units=2)
    y = keras.layers.RNN(cell)(np.zeros((4, 10, 3)))  # output shape (4, 2)
    ```

    Reference:
        Elman, "Finding structure in time", Cognitive Science 14 (1990);
        Goodfellow, Bengio & Courville, *Deep Learning*, eq. 10.8–10.9.
    """

    def __init__(
        self,
        units,
        activation="tanh",
        output_units=None,
        output_activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**base_cell_arguments(locals()), **kwargs)
        if output_units is not None:
            check_positive_int("output_units", output_units)
        self.output_units = output_units
        self.output_activation = get_activation("output_activation", output_activation)
        self.state_size = units
        self.output_size = output_units or units

    def build(self, input_shape):
        self.kernel = self.add_kernel((input_shape[-1], self.units))
        self.recurrent_kernel = self.add_recurrent_kernel((self.units, self.units))
        self.bias = self.add_bias((self.units,))
        if self.output_units:
            self.output_kernel = self.add_kernel(
                (self.units, self.output_units), name="output_kernel"
            )
            self.output_bias = self.add_bias((self.output_units,), name="output_bias")

    def project_inputs(self, inputs):
        return self.affine(inputs, self.kernel, self.bias)

    def step(self, projected, states, training=False):
        h = self.activation(projected + ops.matmul(states[0], self.recurrent_kernel))
        return h, [h]

    def project_outputs(self, outputs):
        if not self.output_units:
            return outputs
        return self.output_activation(self.affine(outputs, self.output_kernel, self.output_bias))

    def get_config(self):
        config = {
            "output_units": self.output_units,
            "output_activation": activations.serialize(self.output_activation),
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnkit")
class Elman(RecurrentLayer):
    """Elman network over a sequence: `ElmanCell` run by `keras.layers.RNN`.

    `U·x(t) + b_h` is computed for all steps before the time loop, and
    `y(t) = g(V·h(t) + b_y)` for all steps after it (it does not feed back).

    Args:
        units, activation, output_units, output_activation, use_bias,
        *_initializer, *_regularizer: as in `ElmanCell`.
        return_sequences: Return `y(t)` for every `t` (default: only the last).
        return_state: Also return the last `h`.
        go_backwards: Process the sequence backwards.
        stateful: Carry the last state of batch `i` into batch `i`.
        unroll: Unroll the time loop (short sequences only).
        zero_output_for_mask: Masked steps output zeros instead of the last output.

    Call arguments:
        sequences: `[batch, timesteps, features]`.
        initial_state: Optional `[batch, units]` (else `h(0) = 0`).
        mask: Optional boolean `[batch, timesteps]`; masked steps keep the state.
        training: Python boolean.

    Example:

    ```python
    layer = Elman(16, return_sequences=True)
    y = layer(np.zeros((4, 10, 3)))  # output shape (4, 10, 16)
    ```

    Reference:
        Elman, "Finding structure in time", Cognitive Science 14 (1990).
    """

    def __init__(
        self,
        units,
        activation="tanh",
        output_units=None,
        output_activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(ElmanCell, locals(), **kwargs)
