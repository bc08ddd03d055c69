"""Multi-timescale units: groups of units that update at different periods."""

import keras
import numpy as np
from keras import ops
from keras.src import backend  # the active backend's `rnn`, as keras.layers.RNN uses it

from rnnkit.layers.base import RecurrentCell, RecurrentLayer, base_cell_arguments

CONNECTIVITIES = ("clockwork", "full")


def check_periods(periods, units):
    try:
        periods = tuple(periods)
    except TypeError:
        periods = (periods,)
    valid = all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in periods)
    if not periods or not valid:
        raise ValueError(
            f"`periods` must be positive integers, e.g. (1, 2, 4, 8). Received: periods={periods!r}"
        )
    if units % len(periods):
        raise ValueError(
            f"`units` must split evenly into {len(periods)} groups (one per period). "
            f"Received: units={units}, periods={periods!r}"
        )
    return periods


class _Masked(keras.initializers.Initializer):
    """An initializer's values with the removed connections set to zero."""

    def __init__(self, initializer, mask):
        self.initializer, self.mask = initializer, mask

    def __call__(self, shape, dtype=None):
        return self.initializer(shape, dtype=dtype) * ops.cast(self.mask, dtype or "float32")


class _KeepZeros(keras.constraints.Constraint):
    """Projects a weight back onto its sparsity pattern after each update."""

    def __init__(self, mask):
        self.mask = mask

    def __call__(self, w):
        return w * ops.cast(self.mask, w.dtype)


@keras.saving.register_keras_serializable(package="rnnkit")
class MultiScaleCell(RecurrentCell):
    """Cell of unit groups running at different clock periods (Clockwork RNN).

    The `units` are split into `K = len(periods)` equal groups; group `k` has
    period `p_k`. With `t = 0, 1, 2, …` counting the steps seen:

    ```
    h_t^(k) = f(U_k x_t + Σ_j W_kj h_{t-1}^(j) + b_k)   if t mod p_k == 0
    h_t^(k) = h_{t-1}^(k)                                otherwise
    ```
    A slow group changes rarely, so information (and gradient) crosses many
    steps through it with few multiplications: the "removing connections"
    strategy for long time scales. With `connectivity="clockwork"` group `k`
    hears only groups at least as slow as itself (`W_kj = 0` when
    `p_j < p_k`), as in the Clockwork RNN; `"full"` keeps every `W_kj`.

    The step counter (kept modulo lcm(periods)) is part of the state
    (`state_size = [units, 1]`), so
    stepping and `return_state` continue the clock; masked steps do not
    advance it.

    Args:
        units: Positive integer divisible by `len(periods)`.
        periods: Positive integers, one per group. Default `(1, 2, 4, 8)`.
        connectivity: `"clockwork"` (default) or `"full"`.
        activation, use_bias, *_initializer, *_regularizer: as usual.

    Example:

    ```python
    cell = MultiScaleCell(8, periods=(1, 4))
    y = keras.layers.RNN(cell)(np.zeros((2, 12, 3)))  # output shape (2, 8)
    ```

    Reference:
        Koutník, Greff, Gomez & Schmidhuber, "A Clockwork RNN", ICML 2014;
        Goodfellow, Bengio & Courville, *Deep Learning*, section 10.9.3.
    """

    def __init__(
        self,
        units,
        periods=(1, 2, 4, 8),
        connectivity="clockwork",
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
        self.periods = check_periods(periods, units)
        if connectivity not in CONNECTIVITIES:
            raise ValueError(
                f"`connectivity` must be one of {CONNECTIVITIES}. "
                f"Received: connectivity={connectivity!r}"
            )
        self.connectivity = connectivity
        self.cycle = int(np.lcm.reduce(self.periods))
        self.state_size = [units, 1]
        self.output_size = units

    def unit_periods(self):
        """Period of every unit, shape `[units]`."""
        return np.repeat(self.periods, self.units // len(self.periods))

    def recurrent_mask(self):
        """`M[j, k] = 1` where unit j feeds unit k (rows: source, columns: target)."""
        per_unit = self.unit_periods()
        if self.connectivity == "full":
            return np.ones((self.units, self.units), dtype="float32")
        return (per_unit[:, None] >= per_unit[None, :]).astype("float32")

    def build(self, input_shape):
        self.kernel = self.add_kernel((input_shape[-1], self.units))
        self.bias = self.add_bias((self.units,))
        if self.connectivity == "full":
            self.recurrent_kernel = self.add_recurrent_kernel((self.units, self.units))
            return
        # The removed connections are zeros of W, kept zero by a constraint
        # after every update: no masking inside the time loop.
        mask = self.recurrent_mask()
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            name="recurrent_kernel",
            initializer=_Masked(self.recurrent_initializer, mask),
            regularizer=self.recurrent_regularizer,
            constraint=_KeepZeros(mask),
        )

    def project_inputs(self, inputs):
        return self.affine(inputs, self.kernel, self.bias)

    def step(self, projected, states, training=False):
        clock = states[1]
        periods = ops.convert_to_tensor(np.asarray(self.periods), dtype=clock.dtype)
        updates = self.per_unit(ops.equal(ops.mod(clock, periods), 0))  # [B, K] -> [B, units]
        h = self.scheduled_step(projected, updates, states[0], projected=True)
        # The clock wraps at lcm(periods): t mod p_k is unchanged, and the
        # count stays exact even in float16 (mixed precision).
        next_clock = ops.mod(clock + 1, self.cycle)
        return h, [h, next_clock]

    # --- the update schedule, computed before `MultiScaleRNN`'s loop ----------
    def update_schedule(self, clock, mask, steps, go_backwards=False):
        """`(updates [B, T, K] bool, final clock [B, 1])`: whether each of the `K` groups
        updates at each input step, and the clock after the sequence, from the first
        `clock`.

        The clock counts the unmasked steps in processing order (reversed with
        `go_backwards`), so `updates` is what `step` would decide step by step; in the
        loop it replaces the clock's `mod`/`equal` and its increment, which made the
        layer 0.72-0.82× Keras's `SimpleRNN` (`experiments/bench_layers.py`). The clock
        arithmetic runs once per group, not per unit (`units / K` times less integer
        `mod`), and `per_unit` widens the result: on JAX that took the layer from 0.87-0.91
        to 0.95-0.98 × `SimpleRNN` (`experiments/results/bench.md`).
        """
        start = ops.cast(ops.round(ops.cast(clock, "float32")), "int32")  # [B, 1]
        if mask is None:
            seen = ops.ones((ops.shape(clock)[0], steps), dtype="int32")
        else:
            seen = ops.cast(mask, "int32")
        if go_backwards:
            seen = ops.flip(seen, axis=1)
        before = start + ops.cumsum(seen, axis=1) - seen  # [B, T], processing order
        periods = ops.convert_to_tensor(np.asarray(self.periods, "int32"))
        updates = ops.equal(ops.mod(ops.expand_dims(before, -1), periods), 0)
        if go_backwards:
            updates = ops.flip(updates, axis=1)
        final = ops.mod(start + ops.sum(seen, axis=1, keepdims=True), self.cycle)
        return updates, ops.cast(final, clock.dtype)

    def per_unit(self, updates):
        """Group decisions `[..., K]` as unit decisions `[..., units]`."""
        return ops.repeat(updates, self.units // len(self.periods), axis=-1)

    def scheduled_step(self, inputs, updates, h_prev, projected):
        """The new `h` of `step` with the clock's decision given (`updates` `[B, units]`,
        from the clock or from `update_schedule` through `per_unit`); the caller keeps
        the clock."""
        if not projected:
            inputs = self.project_inputs(inputs)
        candidate = self.activation(inputs + ops.matmul(h_prev, self.recurrent_kernel))
        return ops.where(updates, candidate, h_prev)

    def get_config(self):
        config = {"periods": list(self.periods), "connectivity": self.connectivity}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="rnnkit")
class MultiScaleRNN(RecurrentLayer):
    """Multi-timescale (Clockwork) RNN: `MultiScaleCell` over a sequence.

    With `return_state=True` the states are `h_T` and the step counter.

    Args:
        units, periods, connectivity, activation, use_bias, *_initializer,
        *_regularizer: as in `MultiScaleCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    ```python
    layer = MultiScaleRNN(16, periods=(1, 2, 4, 8))
    y = layer(np.zeros((4, 20, 3)))  # output shape (4, 16)
    ```

    Reference:
        Koutník et al., "A Clockwork RNN", ICML 2014.
    """

    def __init__(
        self,
        units,
        periods=(1, 2, 4, 8),
        connectivity="clockwork",
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
        super().__init__(MultiScaleCell, locals(), **kwargs)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        # Every step's update decisions are made before the loop
        # (`MultiScaleCell.update_schedule`, one per group, widened to the units once)
        # and run through it beside the inputs (Keras's backend loop takes nested
        # sequences); the final clock is set after.
        h0, clock = initial_state
        updates, final_clock = self.cell.update_schedule(
            clock, mask, ops.shape(sequences)[1], self.go_backwards)
        updates = self.cell.per_unit(updates)
        hoist = self.cell.hoists_projection(sequences.shape[-1])
        inputs = self.cell.project_inputs(sequences) if hoist else sequences

        def step(step_inputs, states):  # the loop carries h alone
            inputs_t, updates_t = step_inputs
            h = self.cell.scheduled_step(inputs_t, updates_t, states[0], projected=hoist)
            return h, [h]

        last, outputs, states = backend.rnn(
            step, (inputs, updates), [h0], go_backwards=self.go_backwards,
            mask=mask, unroll=self.unroll, input_length=sequences.shape[1],
            zero_output_for_mask=self.zero_output_for_mask,
            return_all_outputs=self.return_sequences)
        return last, outputs, [states[0], final_clock]
