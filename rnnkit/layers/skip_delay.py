"""Recurrent connections with time delays (skip connections through time)."""

import math

import keras
from keras import ops
from keras.src import backend  # the active backend's `rnn`, as keras.layers.RNN uses it

from rnnkit.layers.base import RecurrentCell, RecurrentLayer, base_cell_arguments

# Most steps `SkipDelayRNN` unrolls into one iteration of its time loop: each one adds
# to the traced graph (a model's first step), and 8 covers the delays (1, 8) of the bench.
MAX_BLOCK = 8


def check_delays(delays):
    try:
        delays = tuple(delays)
    except TypeError:
        delays = (delays,)
    valid = all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in delays)
    if not delays or not valid or len(set(delays)) != len(delays):
        raise ValueError(
            "`delays` must be distinct positive integers, e.g. (1, 8). "
            f"Received: delays={delays!r}"
        )
    return tuple(sorted(delays))


@keras.saving.register_keras_serializable(package="rnnkit")
class SkipDelayCell(RecurrentCell):
    """Cell whose state reads its own past at several delays.

    ```
    h_t = f(U x_t + Σ_{d ∈ delays} W_d h_{t-d} + b)
    ```
    with `h_{t-d} = 0` before the sequence starts (or the given initial
    state). A connection of delay `d` lets the gradient cross `T` steps in
    `T/d` multiplications instead of `T`.

    The past `D = max(delays)` states live in the cell state as a delay line
    of `D` tensors, `states = [h_{t-1}, h_{t-2}, …, h_{t-D}]`, each
    `[batch, units]`: a step shifts the line by renaming tensors, with no
    copy. So the cell runs step by step, `return_state` gives everything
    needed to continue, and masked steps simply do not advance it. The
    output is `h_t`.

    Args:
        units: Positive integer, dimensionality of `h`.
        delays: Distinct positive integers. Default `(1, 2)`.
        activation, use_bias, *_initializer, *_regularizer: as usual; the
            `W_d` are stacked in one `recurrent_kernel` of shape
            `[len(delays)·units, units]`.

    Example:

    ```python
    cell = SkipDelayCell(8, delays=(1, 4))
    y = keras.layers.RNN(cell)(np.zeros((2, 12, 3)))  # output shape (2, 8)
    ```

    Reference:
        Lin, Horne, Tiňo & Giles, "Learning long-term dependencies in NARX
        recurrent neural networks", IEEE TNN 7 (1996); Goodfellow, Bengio &
        Courville, *Deep Learning*, section 10.9.1.
    """

    def __init__(
        self,
        units,
        delays=(1, 2),
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
        self.delays = check_delays(delays)
        self.max_delay = self.delays[-1]
        self.state_size = [units] * self.max_delay
        self.output_size = units

    def build(self, input_shape):
        self.kernel = self.add_kernel((input_shape[-1], self.units))
        self.recurrent_kernel = self.add_recurrent_kernel(
            (len(self.delays) * self.units, self.units)
        )
        self.bias = self.add_bias((self.units,))

    def project_inputs(self, inputs):
        return self.affine(inputs, self.kernel, self.bias)

    def step(self, projected, states, training=False):
        states = list(states)  # [h_{t-1}, …, h_{t-D}]
        # one matmul per delay, h_{t-d} @ W_d (W_d: rows i·units … (i+1)·units of the
        # stacked kernel); concatenating the delayed states for a single matmul measured
        # slower on CPU: SkipDelayRNN(1,8) 0.40 against 0.47× SimpleRNN on TensorFlow
        # without XLA, 0.45 against 0.49× on JAX (`experiments/bench_layers.py`)
        total = projected
        for i, delay in enumerate(self.delays):
            weights = self.recurrent_kernel[i * self.units:(i + 1) * self.units]
            total = total + ops.matmul(states[delay - 1], weights)
        h = self.activation(total)
        # shift the line: h_t becomes h_{t-1}, the oldest state drops out
        return h, [h, *states[:-1]]

    # --- blocks of steps, run by `SkipDelayRNN`'s loop ---------------------------
    def block_size(self):
        """`S`, the steps whose delayed terms one matmul per delay computes together.

        In a block of `S` steps starting at `s`, a delay `d ≥ S` reads only
        `h_{s+j-d}` with `s + j - d < s`: states from before the block. With `S`
        dividing every delay above 1, the line of the last `D_max` states splits into
        `D_max / S` blocks and each delay reads one of them whole, so a block needs no
        slicing of the line. `S` is the largest divisor of the delays above 1 (their
        gcd) up to `MAX_BLOCK`; delay 1 stays step by step; 1 (no blocks) when that
        gcd is 1 or the only delay is 1.
        """
        far = [delay for delay in self.delays if delay > 1]
        common = math.gcd(*far) if far else 1
        return max(s for s in range(1, MAX_BLOCK + 1) if common % s == 0)

    def block(self, inputs, line, h):
        """`S` steps at once. `inputs` `[B, S, D]`; `line`, the last `D_max` states as
        `D_max / S` blocks `[B, S, units]`, oldest first; `h` the newest state. Returns
        the block's outputs `[B, S, units]`, the line after it and its last state. Per
        delay `d ≥ S` one `[B·S, units] @ W_d` matmul over the block of the line that
        holds `h_{s-d} … h_{s-d+S-1}`; then `S` steps of `f(· + h_{t-1} W_1)`."""
        size = inputs.shape[1]
        total = self.project_inputs(inputs)  # [B, S, units]
        nearest = None
        for i, delay in enumerate(self.delays):
            weights = self.recurrent_kernel[i * self.units:(i + 1) * self.units]
            if delay < size:  # delay 1: inside the block, step by step
                nearest = weights
                continue
            window = line[(self.max_delay - delay) // size]
            total = total + ops.matmul(window, weights)
        outputs = []
        for pre in ops.unstack(total, num=size, axis=1):
            h = self.activation(pre if nearest is None else pre + ops.matmul(h, nearest))
            outputs.append(h)
        outputs = ops.stack(outputs, axis=1)
        return outputs, [*line[1:], outputs], h

    def get_config(self):
        return {**super().get_config(), "delays": list(self.delays)}


@keras.saving.register_keras_serializable(package="rnnkit")
class SkipDelayRNN(RecurrentLayer):
    """RNN with delayed recurrent connections: `SkipDelayCell` over a sequence.

    With `return_state=True` the returned states are the delay line
    `h_T, h_{T-1}, …, h_{T-D+1}`; pass them back as `initial_state` to
    continue a sequence exactly.

    Without a mask the layer runs `S = cell.block_size()` steps per iteration of
    its time loop (`SkipDelayCell.block`): the terms of every delay above 1 are one
    matmul per block, and only `h_{t-1} W_1` goes step by step; the last `T mod S`
    steps run one at a time. With a mask (whose skipped steps hold the line row by
    row), `unroll=True`, an unknown length, or delays above 1 without a common
    divisor, it runs step by step like `keras.layers.RNN(SkipDelayCell(...))`.
    Both give the same outputs and states up to float rounding (tested). Training
    steps/s at the bench's sizes, × `SimpleRNN`, before → after: delays (1, 8)
    0.47 → 0.65 on TensorFlow without XLA, 0.52 → 0.83 with XLA, 0.48 → 0.53 on
    JAX; delays (1, 50) 0.38 → 0.84, 0.37 → 0.62 and 0.25 → 0.46
    (`experiments/results/bench.md`). A model's first step and predict take up to
    0.8 s longer to trace and compile.

    Args:
        units, delays, activation, use_bias, *_initializer, *_regularizer:
            as in `SkipDelayCell`.
        return_sequences, return_state, go_backwards, stateful, unroll,
        zero_output_for_mask: as in `keras.layers.RNN`.

    Example:

    ```python
    layer = SkipDelayRNN(16, delays=(1, 8), return_sequences=True)
    y = layer(np.zeros((4, 20, 3)))  # output shape (4, 20, 16)
    ```

    Reference:
        Lin et al., IEEE TNN 7 (1996).
    """

    def __init__(
        self,
        units,
        delays=(1, 2),
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
        super().__init__(SkipDelayCell, locals(), **kwargs)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        # Blocks of `SkipDelayCell.block_size()` steps per loop iteration, each delay
        # above 1 one matmul per block (`SkipDelayCell.block`), and the last
        # `T mod size` steps one by one; all steps one by one (Keras's loop over the
        # cell) with a mask, whose skipped steps do not advance the line row by row,
        # with `unroll`, with an unknown or too short length, or with a block size of 1.
        size = self.cell.block_size()
        steps = sequences.shape[1]
        if size == 1 or mask is not None or self.unroll or steps is None or steps < size:
            return super().inner_loop(sequences, initial_state, mask, training=training)
        return self.block_loop(sequences, list(initial_state), size, steps)

    def block_loop(self, sequences, states, size, steps):
        if self.go_backwards:  # Keras's order: outputs in processing order
            sequences = ops.flip(sequences, axis=1)
        whole = steps - steps % size
        grouped = ops.reshape(sequences[:, :whole], (-1, whole // size, size, sequences.shape[-1]))
        oldest_first = states[::-1]
        line = [ops.stack(oldest_first[k:k + size], axis=1)
                for k in range(0, self.cell.max_delay, size)]

        def block_step(inputs, carry):
            outputs, next_line, h = self.cell.block(inputs, carry[:-1], carry[-1])
            return outputs, [*next_line, h]

        _, outputs, carry = backend.rnn(
            block_step, grouped, [*line, states[0]], input_length=whole // size,
            return_all_outputs=self.return_sequences)
        last = carry[-1]
        oldest_first = [state for block in carry[:-1]
                        for state in ops.unstack(block, num=size, axis=1)]
        states = oldest_first[::-1]
        if self.return_sequences:
            outputs = ops.reshape(outputs, (-1, whole, self.units))
        if whole < steps:  # the rest, one step at a time
            last, rest, states = backend.rnn(
                self.cell.call, sequences[:, whole:], states, input_length=steps - whole,
                return_all_outputs=self.return_sequences)
            if self.return_sequences:
                outputs = ops.concatenate([outputs, rest], axis=1)
        return last, outputs if self.return_sequences else last, states
