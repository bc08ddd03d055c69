"""Deep-transition RNN: an MLP between one hidden state and the next."""

import keras
from keras import ops

from rnnkit.layers.base import (
    RecurrentCell,
    RecurrentLayer,
    base_cell_arguments,
    check_positive_int,
)


@keras.saving.register_keras_serializable(package="rnnkit")
class DeepTransitionCell(RecurrentCell):
    """Cell of the deep-transition RNN (DT-RNN) and, with shortcut, DT(S)-RNN.

    The transition `(h_{t-1}, x_t) → h_t` is an `L`-layer MLP:

    ```
    z_t^(1) = f(U x_t + W h_{t-1} + b_1)
    z_t^(l) = f(V_l z_t^(l-1) + b_l)                       l = 2 … L
    h_t     = z_t^(L)                                      (DT)
    h_t     = f(V_L z_t^(L-1) + W_s h_{t-1} + b_L)         (DT(S), shortcut=True)
    ```
    The shortcut `W_s h_{t-1}` gives the gradient a one-layer path between
    consecutive states, which deep transitions otherwise lengthen `L`-fold.
    `L = 1` is the Elman cell.

    Args:
        units: Positive integer, dimensionality of `h`.
        transition_depth: `L`, the number of layers of the transition MLP
            (≥ 1; ≥ 2 with `shortcut`). Default: 2.
        transition_units: Width of the intermediate layers `z^(1..L-1)`;
            default `units`.
        shortcut: Add the DT(S) shortcut from `h_{t-1}` to `h_t`. Default `False`.
        activation, use_bias, *_initializer, *_regularizer: as usual (`V_l`
            and `W_s` use the kernel and recurrent initializers).

    Example:

    ```python
    cell = DeepTransitionCell(8, transition_depth=3, shortcut=True)
    y = keras.layers.RNN(cell)(np.zeros((2, 12, 3)))  # output shape (2, 8)
    ```

    Reference:
        Pascanu, Gulcehre, Cho & Bengio, "How to construct deep recurrent
        neural networks", ICLR 2014 (arXiv:1312.6026), section 3.
    """

    def __init__(
        self,
        units,
        transition_depth=2,
        transition_units=None,
        shortcut=False,
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
        super().__init__(**base_cell_arguments(locals()), **kwargs)
        self.transition_depth = check_positive_int("transition_depth", transition_depth)
        if transition_units is not None:
            check_positive_int("transition_units", transition_units)
        self.transition_units = transition_units
        if shortcut and transition_depth < 2:
            raise ValueError(
                "`shortcut=True` needs `transition_depth >= 2` (with one layer "
                f"there is nothing to skip). Received: transition_depth={transition_depth}"
            )
        self.shortcut = bool(shortcut)
        self.state_size = units
        self.output_size = units

    def layer_widths(self):
        """Widths of `z^(1) … z^(L)`; the last is `units`."""
        hidden = self.transition_units or self.units
        return [hidden] * (self.transition_depth - 1) + [self.units]

    def build(self, input_shape):
        widths = self.layer_widths()
        self.kernel = self.add_kernel((input_shape[-1], widths[0]))
        self.recurrent_kernel = self.add_recurrent_kernel((self.units, widths[0]))
        self.bias = self.add_bias((widths[0],))
        self.transition_kernels, self.transition_biases = [], []
        for level in range(1, self.transition_depth):
            self.transition_kernels.append(
                self.add_kernel((widths[level - 1], widths[level]), name=f"kernel_{level + 1}")
            )
            self.transition_biases.append(self.add_bias((widths[level],), name=f"bias_{level + 1}"))
        if self.shortcut:
            self.shortcut_kernel = self.add_recurrent_kernel(
                (self.units, self.units), name="shortcut_kernel"
            )

    def project_inputs(self, inputs):
        return self.affine(inputs, self.kernel, self.bias)

    def step(self, projected, states, training=False):
        h_prev = states[0]
        z = self.activation(projected + ops.matmul(h_prev, self.recurrent_kernel))
        last = len(self.transition_kernels) - 1
        for level, (kernel, bias) in enumerate(
            zip(self.transition_kernels, self.transition_biases, strict=True)
        ):
            pre = self.affine(z, kernel, bias)
            if self.shortcut and level == last:
                pre = pre + ops.matmul(h_prev, self.shortcut_kernel)
            z = self.activation(pre)
        return z, [z]

    def get_config(self):
        config = {
            "transition_depth": self.transition_depth,
            "transition_units": self.transition_units,
            "shortcut": self.shortcut,
        }
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnkit")
class DeepTransitionRNN(RecurrentLayer):
    """DT-RNN / DT(S)-RNN: `DeepTransitionCell` over a sequence.

    Args:
        units, transition_depth, transition_units, shortcut, activation,
        use_bias, *_initializer, *_regularizer: as in `DeepTransitionCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    ```python
    layer = DeepTransitionRNN(16, transition_depth=2, shortcut=True)
    y = layer(np.zeros((4, 20, 3)))  # output shape (4, 16)
    ```

    Reference:
        Pascanu et al., "How to construct deep recurrent neural networks", ICLR 2014.
    """

    def __init__(
        self,
        units,
        transition_depth=2,
        transition_units=None,
        shortcut=False,
        activation="tanh",
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
        super().__init__(DeepTransitionCell, locals(), **kwargs)
