"""Stacked recurrent layers, optionally with shortcut (direct) connections."""

import keras
from keras import ops

from rnnkit.layers.base import check_positive_int


@keras.saving.register_keras_serializable(package="rnnkit")
class StackedRNN(keras.layers.Layer):
    """A stack of `L` recurrent layers of any registry kind.

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

    Args:
        units: Positive integer (every layer) or a list with one per layer.
        num_layers: `L`, used when `units` is an integer. Default: 2.
        cell: Registry name of every layer (`"gru"`, `"leaky"`, `"elman"` …;
            see `rnnkit.models.RECURRENT_NAMES`). Default: `"gru"`.
        shortcuts: Add the direct connections above. Default: `False`.
        cell_kwargs: Optional dict of extra arguments for every layer
            (e.g. `{"delays": [1, 4]}` for `"skip_delay"`).
        return_sequences, return_state, go_backwards, stateful,
        zero_output_for_mask: as in `keras.layers.RNN`. With
        `return_state` the states of all layers follow the output, layer
        by layer; `initial_state` takes them in the same order.

    Example:

    ```python
    stack = StackedRNN(32, num_layers=3, cell="gru", shortcuts=True)
    y = stack(np.zeros((4, 20, 3)))  # output shape (4, 96)
    ```

    Reference:
        Graves, "Generating sequences with recurrent neural networks",
        arXiv:1308.0850 (2013), section 2; Pascanu et al., ICLR 2014, section 3.3.
    """

    def __init__(
        self,
        units,
        num_layers=2,
        cell="gru",
        shortcuts=False,
        cell_kwargs=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        from rnnkit.models.registry import build_recurrent

        if isinstance(units, (list, tuple)):
            layer_units = [check_positive_int("units", u) for u in units]
            if not layer_units:
                raise ValueError(f"`units` must not be empty. Received: units={units!r}")
        else:
            check_positive_int("units", units)
            layer_units = [units] * check_positive_int("num_layers", num_layers)
        if cell == "stacked":
            raise ValueError("`cell` of a StackedRNN cannot be 'stacked'. Received: cell='stacked'")
        self.units = list(units) if isinstance(units, (list, tuple)) else units
        self.num_layers = len(layer_units)
        self.cell = cell
        self.shortcuts = bool(shortcuts)
        self.cell_kwargs = dict(cell_kwargs or {})
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.recurrent_layers = [
            build_recurrent(
                cell,
                size,
                return_sequences=True,
                return_state=True,
                stateful=stateful,
                name=f"{cell}_{i}",
                dtype=self.dtype_policy,
                **self.cell_kwargs,
            )
            for i, size in enumerate(layer_units)
        ]

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
            "units": self.units,
            "num_layers": self.num_layers,
            "cell": self.cell,
            "shortcuts": self.shortcuts,
            "cell_kwargs": self.cell_kwargs,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "zero_output_for_mask": self.zero_output_for_mask,
        }
        return {**super().get_config(), **config}
