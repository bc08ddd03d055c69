"""Deep-output RNN head: an MLP from every hidden state to its output."""

import keras
from keras import activations, initializers, regularizers

from rnnkit.layers.base import check_positive_int, get_activation


@keras.saving.register_keras_serializable(package="rnnkit")
class DeepOutput(keras.layers.Layer):
    """The deep hidden-to-output function of the DO-RNN, applied at every step.

    ```
    z_t^(0) = h_t
    z_t^(l) = φ(V_l z_t^(l-1) + c_l)        l = 1 … L      (hidden_units)
    y_t     = ψ(V_o z_t^(L) + c_o)                          (output_units)
    ```
    Works on a hidden sequence `[B, T, D]` (same MLP at every `t`, masks
    pass through) and on a single state `[B, D]`.

    Args:
        output_units: Positive integer, dimensionality of `y_t`.
        hidden_units: Widths of the intermediate layers, e.g. `(64, 64)`.
            Default: `(64,)`.
        activation: `φ`, nonlinearity of the intermediate layers. Default `"relu"`.
        output_activation: `ψ`. Default: `None` (linear, for regression).
        use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer: for every `V`/`c`.

    Example:

    ```python
    h = keras.layers.GRU(32, return_sequences=True)(keras.Input((None, 3)))
    y = DeepOutput(1, hidden_units=(64,))(h)  # output shape (None, None, 1)
    ```

    Reference:
        Pascanu, Gulcehre, Cho & Bengio, "How to construct deep recurrent
        neural networks", ICLR 2014, section 3.2 (DO-RNN).
    """

    def __init__(
        self,
        output_units,
        hidden_units=(64,),
        activation="relu",
        output_activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.output_units = check_positive_int("output_units", output_units)
        self.hidden_units = tuple(
            check_positive_int("hidden_units", u) for u in tuple(hidden_units or ())
        )
        self.activation = get_activation("activation", activation)
        self.output_activation = get_activation("output_activation", output_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.supports_masking = True
        sizes = [*self.hidden_units, self.output_units]
        acts = [self.activation] * len(self.hidden_units) + [self.output_activation]
        self.dense_layers = [
            keras.layers.Dense(
                size,
                activation=act,
                use_bias=self.use_bias,
                kernel_initializer=self.kernel_initializer,
                bias_initializer=self.bias_initializer,
                kernel_regularizer=self.kernel_regularizer,
                bias_regularizer=self.bias_regularizer,
                dtype=self.dtype_policy,
                name=f"dense_{i}",
            )
            for i, (size, act) in enumerate(zip(sizes, acts, strict=True))
        ]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.dense_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(self, inputs):
        outputs = inputs
        for layer in self.dense_layers:
            outputs = layer(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_units)

    def get_config(self):
        config = {
            "output_units": self.output_units,
            "hidden_units": list(self.hidden_units),
            "activation": activations.serialize(self.activation),
            "output_activation": activations.serialize(self.output_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
        }
        return {**super().get_config(), **config}
