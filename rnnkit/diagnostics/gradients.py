"""Back-propagation through time, made visible: ‖∂L/∂h_t‖ for every step t.

The gradient of the loss with respect to an intermediate hidden state is not
a variable of the model, so it is measured by perturbation: the step
function is wrapped so that `h_t ← h_t + ε_t`, with `ε = 0`, wherever `h_t`
goes next (the output at `t` and the state carried to `t+1`). Then

    ∂L/∂ε_t = ∂L/∂h_t      (the total derivative, through all later steps)

which is the quantity whose decay or growth with `T - t` is the vanishing
or exploding gradient problem (Bengio et al. 1994; Pascanu et al. 2013).
The time loop is unrolled while measuring, so the probe knows `t`.
"""

import contextlib
import importlib

import keras
import numpy as np
from keras import ops


def _backend_value_and_grad():
    name = keras.backend.backend()
    try:
        module = importlib.import_module(f"rnnkit.diagnostics._grad_{name}")
    except ModuleNotFoundError as error:
        raise NotImplementedError(
            f"gradient_norms supports the tensorflow and jax backends. Received: backend={name!r}"
        ) from error
    return module.value_and_grad


def _find_recurrent_layer(model, layer):
    if isinstance(layer, keras.layers.RNN):
        return layer
    if isinstance(layer, str):
        return model.get_layer(layer)
    for candidate in model._flatten_layers(include_self=False):
        if isinstance(candidate, keras.layers.RNN):
            return candidate
    raise ValueError(
        "gradient_norms needs a model with a keras.layers.RNN layer "
        "(Elman, LeakyRNN, SimpleRNN, LSTM, GRU …); found none. "
        f"Received: layer={layer!r}"
    )


def _perturb(cell, output, states, eps):
    """Add `eps` to `h_t` wherever the step sends it."""
    states = list(states)
    if output.shape[-1] != states[0].shape[-1]:
        raise ValueError(
            f"Cannot locate the hidden state of {type(cell).__name__}: its output is not its "
            "first state (a cell run inside its own rnnkit layer always satisfies this)."
        )
    states[0] = states[0] + eps
    return output + eps, states


class _Probe:
    def __init__(self, rnn):
        self.rnn = rnn
        self.cell = rnn.cell
        self.eps = None
        self.t = 0

    @contextlib.contextmanager
    def active(self, eps):
        original_call, original_unroll = self.cell.call, self.rnn.unroll
        self.eps, self.t = eps, 0

        def probed_call(inputs, states, **kwargs):
            output, new_states = original_call(inputs, states, **kwargs)
            if not isinstance(new_states, (list, tuple)):
                new_states = [new_states]
            output, new_states = _perturb(self.cell, output, new_states, self.eps[:, self.t])
            self.t += 1
            return output, new_states

        self.cell.call = probed_call
        self.rnn.unroll = True
        try:
            yield
        finally:
            self.cell.call = original_call
            del self.cell.call  # back to the class's method
            self.rnn.unroll = original_unroll


def gradient_norms(model, x, y, *, layer=None, loss=None):
    """‖∂L/∂h_t‖ for every step t of a model's recurrent layer.

    Args:
        model: A built Keras model containing a `keras.layers.RNN` (the first
            one is probed unless `layer` says otherwise).
        x: Input batch `[B, T, D]` (NumPy).
        y: Targets for `loss`.
        layer: Optional name or instance of the recurrent layer to probe.
        loss: Loss name or callable; default the model's compiled loss, else MSE.

    Returns:
        NumPy array of shape `[T]`: at index `t` (in time order, also for
        `go_backwards` layers) the Frobenius norm over the batch and units of
        `∂L/∂h_t`, where `L` is the batch-mean loss.

    Example:

    ```python
    norms = gradient_norms(model, x, y)   # norms[0] small: vanishing gradient
    ```
    """
    rnn = _find_recurrent_layer(model, layer)
    x = np.asarray(x)
    batch, steps = x.shape[0], x.shape[1]
    loss_fn = keras.losses.get(loss or getattr(model, "loss", None) or "mse")
    probe = _Probe(rnn)
    eps = np.zeros((batch, steps, rnn.cell.units), dtype="float32")

    def loss_of(perturbation):
        with probe.active(perturbation):
            predictions = model(x, training=False)
        return ops.mean(loss_fn(ops.convert_to_tensor(y), predictions))

    _, grads = _backend_value_and_grad()(loss_of, eps)
    # in float64: squaring a float32 gradient below ~1e-19 would underflow to zero
    grads = np.asarray(ops.convert_to_numpy(grads), dtype="float64")
    norms = np.sqrt(np.sum(np.square(grads), axis=(0, 2)))
    return norms[::-1] if rnn.go_backwards else norms
