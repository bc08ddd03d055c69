"""Stacked recurrent layers, optionally with shortcut (direct) connections."""

import keras
from keras import ops

# The registry names of rnnkit <= 0.1's StackedRNN(units, cell="gru", ...) config, as
# Keras serialisation names: enough to load a .keras file saved in that format.
_LEGACY_LAYERS = {
    "simple": ("keras.layers", "SimpleRNN", {}), "lstm": ("keras.layers", "LSTM", {}),
    "gru": ("keras.layers", "GRU", {}), "elman": (None, "rnnkit>Elman", {}),
    "leaky": (None, "rnnkit>LeakyRNN", {}), "skip_delay": (None, "rnnkit>SkipDelayRNN", {}),
    "multiscale": (None, "rnnkit>MultiScaleRNN", {}),
    "dt": (None, "rnnkit>DeepTransitionRNN", {}),
    "dts": (None, "rnnkit>DeepTransitionRNN", {"shortcut": True}),
}


@keras.saving.register_keras_serializable(package="rnnkit")
class StackedRNN(keras.layers.Layer):
    """A stack of `L` recurrent layers of any kind.

    ```
    h_t^(1) = R_1(x_t,                 h_{t-1}^(1))
    h_t^(l) = R_l(h_t^(l-1),           h_{t-1}^(l))     l = 2 … L
    y_t     = h_t^(L)
    ```
    With `shortcuts=True` (the stack "with direct connections" of Graves
    2013 and Pascanu et al. 2014) every layer also sees the input and every
    layer reaches the output:
    ```
    h_t^(l) = R_l([x_t ; h_t^(l-1)],   h_{t-1}^(l))     l = 2 … L
    y_t     = [h_t^(1) ; … ; h_t^(L)]
    ```
    which shortens the path from every layer to the loss.

    Like `keras.layers.StackedRNNCells`, it is composed of instances: each item of
    `layers` is a recurrent layer (`keras.layers.SimpleRNN`, `GRU`, `LSTM`, any rnnkit
    layer: a `keras.layers.RNN`) or a cell (wrapped in `keras.layers.RNN`). The stack
    runs copies of them made from their configs with `return_sequences=True`,
    `return_state=True`, its own `stateful` and, when given, its own `dtype` (as
    `Bidirectional` copies its layer),
    and serialises each with `keras.saving.serialize_keras_object`.
    (`rnnkit.models.build_recurrent("stacked", units, inner_cell=..., num_layers=...)`
    builds one by name.)

    Args:
        layers: The recurrent layers (or cells), first to last; at least one.
        shortcuts: Add the direct connections above. Default: `False`.
        return_sequences, return_state, go_backwards, stateful,
        zero_output_for_mask: as in `keras.layers.RNN`. With
        `return_state` the states of all layers follow the output, layer
        by layer; `initial_state` takes them in the same order.

    Example:

    ```python
    stack = StackedRNN([keras.layers.GRU(32), LeakyRNN(32, alpha=0.5)], shortcuts=True)
    y = stack(np.zeros((4, 20, 3)))  # output shape (4, 64)
    ```

    Reference:
        Graves, "Generating sequences with recurrent neural networks",
        arXiv:1308.0850 (2013), section 2; Pascanu et al., ICLR 2014, section 3.3.
    """

    def __init__(
        self,
        layers,
        shortcuts=False,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        explicit_dtype = kwargs.get("dtype") is not None
        super().__init__(**kwargs)
        if isinstance(layers, keras.layers.Layer) or not layers:
            raise ValueError("`layers` must be a non-empty list of recurrent layers or cells. "
                             f"Received: layers={layers!r}")
        self.shortcuts = bool(shortcuts)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.recurrent_layers = [self._inner(layer, i, explicit_dtype)
                                 for i, layer in enumerate(layers)]
        self.num_layers = len(self.recurrent_layers)

    def _inner(self, layer, index, explicit_dtype=False):
        """`layer` as the stack runs it: whole sequences and final states out (and the
        stack's dtype policy, when one was given to the stack)."""
        if not isinstance(layer, keras.layers.RNN):
            if not hasattr(layer, "state_size"):
                raise ValueError(f"Item {index} of `layers` is neither a recurrent layer nor "
                                 f"a cell. Received: {layer!r}")
            layer = keras.layers.RNN(layer, name=f"rnn_{index}")
        config = layer.get_config()
        wanted = {"return_sequences": True, "return_state": True, "stateful": self.stateful,
                  "go_backwards": False}
        if all(config.get(k) == v for k, v in wanted.items()) and not explicit_dtype:
            return layer
        if explicit_dtype:
            wanted["dtype"] = self.dtype_policy
        if isinstance(layer.cell, keras.layers.Layer) and type(layer) is keras.layers.RNN:
            config["cell"] = keras.saving.serialize_keras_object(layer.cell)
        return type(layer).from_config({**config, **wanted})

    @property
    def units(self):
        """The units of each layer."""
        return [layer.cell.units if hasattr(layer.cell, "units") else None
                for layer in self.recurrent_layers]

    def _state_counts(self):
        return [len(layer.state_size) for layer in self.recurrent_layers]

    def build(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        for i, layer in enumerate(self.recurrent_layers):
            if i > 0:
                previous = self.recurrent_layers[i - 1].compute_output_shape(shape)[0]
                width = previous[-1] + (sequences_shape[-1] if self.shortcuts else 0)
                shape = (*sequences_shape[:-1], width)
            layer.build(shape)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.go_backwards:
            # Run the whole stack over the reversed sequence, so outputs come
            # in processing order, as `keras.layers.RNN` does.
            sequences = ops.flip(sequences, axis=1)
            mask = None if mask is None else ops.flip(mask, axis=1)
        states_in = self._split_states(initial_state)
        outputs, finals, inputs = [], [], sequences
        for i, layer in enumerate(self.recurrent_layers):
            if i > 0:
                inputs = outputs[-1]
                if self.shortcuts:
                    inputs = ops.concatenate([sequences, inputs], axis=-1)
            result = layer(inputs, initial_state=states_in[i], mask=mask, training=training)
            outputs.append(result[0])
            finals.extend(result[1:])
        used = outputs if self.shortcuts else outputs[-1:]
        merged = ops.concatenate(used, axis=-1) if len(used) > 1 else used[0]
        if self.return_sequences:
            output = merged
            if mask is not None and self.zero_output_for_mask:
                output = output * ops.expand_dims(ops.cast(mask, output.dtype), -1)
        else:
            # Masked steps repeat the previous output, so the last row is the
            # output at the last unmasked step.
            output = merged[:, -1]
        if self.return_state:
            return output, *finals
        return output

    def _split_states(self, initial_state):
        if initial_state is None:
            return [None] * self.num_layers
        flat = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        counts = self._state_counts()
        if len(flat) != sum(counts):
            raise ValueError(
                f"`initial_state` must hold {sum(counts)} tensors ({counts} per layer). "
                f"Received: {len(flat)} tensors"
            )
        split, start = [], 0
        for count in counts:
            split.append(flat[start : start + count])
            start += count
        return split

    def compute_mask(self, sequences, mask=None):
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * sum(self._state_counts())
        return output_mask

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        widths, shape = [], tuple(sequences_shape)
        state_shapes = []
        for i, layer in enumerate(self.recurrent_layers):
            if i > 0:
                width = widths[-1] + (sequences_shape[-1] if self.shortcuts else 0)
                shape = (*sequences_shape[:-1], width)
            out_shape, *layer_states = layer.compute_output_shape(shape)
            widths.append(out_shape[-1])
            state_shapes.extend(layer_states)
        width = sum(widths) if self.shortcuts else widths[-1]
        if self.return_sequences:
            output_shape = (sequences_shape[0], sequences_shape[1], width)
        else:
            output_shape = (sequences_shape[0], width)
        if self.return_state:
            return (output_shape, *state_shapes)
        return output_shape

    def reset_state(self):
        for layer in self.recurrent_layers:
            layer.reset_state()

    def get_config(self):
        config = {
            "layers": [keras.saving.serialize_keras_object(layer)
                       for layer in self.recurrent_layers],
            "shortcuts": self.shortcuts,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "cell" in config and "layers" not in config:
            config["layers"] = _legacy_layers(config)
        config["layers"] = [layer if isinstance(layer, keras.layers.Layer)
                            else keras.saving.deserialize_keras_object(layer)
                            for layer in config["layers"]]
        return cls(**config)


def _legacy_layers(config):
    """The layers of a config saved as `StackedRNN(units, num_layers, cell=NAME,
    cell_kwargs)`, as Keras serialisation dicts named as the old stack named them."""
    name = config.pop("cell")
    units, num_layers = config.pop("units"), config.pop("num_layers", 2)
    extra = config.pop("cell_kwargs", None) or {}
    if name not in _LEGACY_LAYERS:
        raise ValueError(f"This StackedRNN was saved with cell={name!r}, which this version "
                         f"cannot rebuild; known: {', '.join(_LEGACY_LAYERS)}.")
    module, class_name, fixed = _LEGACY_LAYERS[name]
    sizes = list(units) if isinstance(units, list | tuple) else [units] * int(num_layers)
    return [{"module": module, "class_name": class_name, "registered_name": None
             if module else class_name,
             "config": {"units": size, "name": f"{name}_{i}", "return_sequences": True,
                        "return_state": True, "stateful": config.get("stateful", False),
                        **fixed, **extra}}
            for i, size in enumerate(sizes)]
