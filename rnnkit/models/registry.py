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
from rnnkit.names import RECURRENT_NAMES


def _dts(units, **kwargs):
    return DeepTransitionRNN(units, shortcut=True, **kwargs)


STACK_FLAGS = ("return_sequences", "return_state", "go_backwards", "stateful",
               "zero_output_for_mask", "name", "dtype")


def _stacked(units, *, inner_cell="gru", num_layers=2, shortcuts=False, **kwargs):
    """`num_layers` layers of the registry cell `inner_cell` (a list of `units` gives
    one size per layer) in a `StackedRNN`; other arguments go to every layer."""
    if inner_cell == "stacked":
        raise ValueError("The inner cell of a stack cannot be 'stacked'. "
                         "Received: inner_cell='stacked'")
    flags = {k: kwargs.pop(k) for k in STACK_FLAGS if k in kwargs}
    sizes = list(units) if isinstance(units, list | tuple) else [units] * num_layers
    if not sizes or isinstance(num_layers, bool) or num_layers < 1:
        raise ValueError(f"A stack needs at least one layer. Received: units={units!r}, "
                         f"num_layers={num_layers!r}")
    layers = [build_recurrent(inner_cell, size, name=f"{inner_cell}_{i}", **kwargs)
              for i, size in enumerate(sizes)]
    return StackedRNN(layers, shortcuts=shortcuts, **flags)


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

if tuple(_FACTORIES) != RECURRENT_NAMES:  # the Keras-free list of rnnkit.names must match
    raise ImportError(f"rnnkit.names.RECURRENT_NAMES {RECURRENT_NAMES} differs from the "
                      f"registry's names {tuple(_FACTORIES)}")


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
            `stacked` takes `num_layers`, `shortcuts` and `inner_cell`, the registry
            name of its layers, and passes the rest to every layer).

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


# Arguments a layer takes from the registry call itself, never from `cell_args`.
_RESERVED = {"units", "return_sequences", "return_state", "go_backwards", "stateful",
             "unroll", "zero_output_for_mask", "name", "dtype", "trainable", "kwargs",
             "self", "cell", "merge_mode", "bidirectional"}


def cell_arguments(name):
    """The keyword arguments `build_recurrent(name, units, **arguments)` accepts beside
    the sequence flags (a `stacked` cell: its own and those of its `inner_cell`)."""
    import inspect

    if name not in _FACTORIES:
        raise ValueError(f"Unknown recurrent layer name. Valid names: "
                         f"{', '.join(RECURRENT_NAMES)}. Received: name={name!r}")
    factory = _FACTORIES[name]
    target = {"dts": DeepTransitionRNN}.get(name, factory)
    names = [p for p in inspect.signature(target).parameters if p not in _RESERVED]
    if name == "dts":
        names = [n for n in names if n != "shortcut"]
    return names


def check_cell_arguments(name, arguments, units=4):
    """Raise `ValueError` naming the problem when `arguments` do not fit cell `name`:
    an unknown argument (the message lists the accepted ones), or a value the layer
    refuses (the layer's own message). Builds the layer once, without weights."""
    accepted = cell_arguments(name)
    if name == "stacked":
        inner = arguments.get("inner_cell", "gru")
        accepted = accepted + [a for a in cell_arguments(inner) if a not in accepted]
    unknown = [k for k in arguments if k not in accepted]
    if unknown:
        raise ValueError(f"Cell {name!r} takes no argument {', '.join(map(repr, unknown))}; "
                         f"it accepts: {', '.join(accepted)}.")
    try:
        build_recurrent(name, units, **arguments)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Cell {name!r} refuses these arguments: {exc}") from None
