"""One registry for every recurrent layer, by name."""

import keras

from rnnkit.layers import (
    DeepTransitionRNN,
    Elman,
    LeakyRNN,
    MultiScaleRNN,
    SkipDelayRNN,
    StackedRNN,
)


def _dts(units, **kwargs):
    return DeepTransitionRNN(units, shortcut=True, **kwargs)


def _stacked(units, *, inner_cell="gru", **kwargs):
    # `inner_cell` names the layers' cell where `cell` is taken (build_forecaster's
    # and build_classifier's `cell` is the registry name, here "stacked")
    return StackedRNN(units, cell=kwargs.pop("cell", inner_cell), **kwargs)


# name -> factory(units, **kwargs) returning a layer with the keras.layers.RNN
# sequence flags (return_sequences, return_state, go_backwards, stateful).
_FACTORIES = {
    "simple": keras.layers.SimpleRNN,
    "elman": Elman,
    "leaky": LeakyRNN,
    "skip_delay": SkipDelayRNN,
    "multiscale": MultiScaleRNN,
    "dt": DeepTransitionRNN,
    "dts": _dts,
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "stacked": _stacked,
}

RECURRENT_NAMES = tuple(_FACTORIES)


def build_recurrent(
    name, units, /, *, bidirectional=False, return_sequences=False, merge_mode="concat", **kwargs
):
    """Build the recurrent layer registered under `name`.

    Args:
        name: One of `RECURRENT_NAMES`: `simple` (Keras `SimpleRNN`), `elman`,
            `leaky`, `skip_delay`, `multiscale`, `dt`, `dts` (DT with
            shortcut), `lstm` and `gru` (Keras's own, cuDNN path kept),
            `stacked`.
        units: Hidden size (a list per layer is accepted by `stacked`).
        bidirectional: Wrap in `keras.layers.Bidirectional`.
        return_sequences: Return the whole output sequence.
        merge_mode: Bidirectional merge mode. Default `"concat"`.
        **kwargs: Passed to the layer (e.g. `delays=(1, 8)`, `alpha=0.9`;
            `stacked` takes `num_layers` and `inner_cell`, the cell of its layers).

    Example:

    ```python
    layer = build_recurrent("leaky", 32, tau_range=(1, 50), bidirectional=True)
    y = layer(np.zeros((4, 10, 3)))  # output shape (4, 64)
    ```
    """
    if name not in _FACTORIES:
        raise ValueError(
            f"Unknown recurrent layer name. Valid names: {', '.join(RECURRENT_NAMES)}. "
            f"Received: name={name!r}"
        )
    layer = _FACTORIES[name](units, return_sequences=return_sequences, **kwargs)
    if bidirectional:
        return keras.layers.Bidirectional(layer, merge_mode=merge_mode)
    return layer
