"""A convolutional front-end over spectrogram frames, before a recurrent layer."""

import keras
from keras import ops

from rnnkit.layers.base import check_positive_int


@keras.saving.register_keras_serializable(package="rnnkit")
class ConvFrontEnd(keras.layers.Layer):
    """Frames `[B, T, F]` -> frames `[B, T, F / 2^L · C_L]`, padding kept as padding.

    ```
    X_0 = the frames as a one-channel image [T, F, 1]
    X_l = maxpool_freq(relu(BN(conv2d_{3×3}(X_{l-1}))) · m)    l = 1 … L, C_l filters
    out = reshape(X_L) to [T, F / 2^L · C_L]
    ```

    Each block convolves time × frequency with `kernel_size` kernels (same padding),
    batch-normalises, applies ReLU and max-pools the frequency axis by 2 (time keeps its
    length, so one output frame stays one RNN step). `m` zeroes masked frames after every
    convolution, so padding never leaks into real frames beyond the kernel's reach and
    stays all-zero; the input mask passes through. Pooling over frequency makes the
    features tolerant of the small shifts of formants between voices (a vocal tract a
    few percent longer moves every formant down), which an RNN over raw mel frames must
    learn channel by channel.

    Args:
        filters: Filters `C_l` of each block, e.g. `(16, 32)` (its length is `L`).
        kernel_size: Kernel height and width (time, frequency). Default `(3, 3)`.

    Call arguments:
        inputs: `[B, T, F]`, F divisible by `2^L` to keep every channel.
        mask: Optional boolean `[B, T]` (e.g. from `keras.layers.Masking`).

    Example:

    ```python
    frames = keras.layers.Masking()(keras.Input((None, 40)))
    features = ConvFrontEnd((16, 32))(frames)          # (None, None, 320)
    h = keras.layers.GRU(64)(features)
    ```

    Reference:
        Amodei et al., "Deep Speech 2", ICML 2016 (convolutions over time and
        frequency before recurrent layers).
    """

    def __init__(self, filters=(16, 32), kernel_size=(3, 3), **kwargs):
        super().__init__(**kwargs)
        self.filters = tuple(check_positive_int("filters", f) for f in filters)
        if not self.filters:
            raise ValueError(f"`filters` must name at least one block. Received: filters={filters}")
        self.kernel_size = tuple(check_positive_int("kernel_size", k) for k in kernel_size)
        if len(self.kernel_size) != 2:
            raise ValueError("`kernel_size` must be (time, frequency). "
                             f"Received: kernel_size={kernel_size}")
        self.supports_masking = True
        self.convs = [keras.layers.Conv2D(f, self.kernel_size, padding="same", use_bias=False,
                                          name=f"conv_{i}") for i, f in enumerate(self.filters)]
        self.norms = [keras.layers.BatchNormalization(name=f"norm_{i}")
                      for i in range(len(self.filters))]

    def build(self, input_shape):
        shape = (input_shape[0], input_shape[1], input_shape[2], 1)
        for conv, norm in zip(self.convs, self.norms, strict=True):
            conv.build(shape)
            shape = conv.compute_output_shape(shape)
            norm.build(shape)
            shape = (shape[0], shape[1], shape[2] // 2, shape[3])

    def call(self, inputs, mask=None, training=None):
        x = ops.expand_dims(inputs, -1)
        keep = None if mask is None else ops.cast(mask, x.dtype)[:, :, None, None]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = conv(x)  # BN's batch statistics are taken over real frames only
            frames = None if keep is None else ops.broadcast_to(keep[..., 0] > 0,
                                                                ops.shape(x)[:-1])
            x = ops.relu(norm(x, training=training, mask=frames))
            if keep is not None:
                x = x * keep
            x = ops.max_pool(x, pool_size=(1, 2), strides=(1, 2), padding="valid")
        batch, steps = ops.shape(x)[0], ops.shape(x)[1]
        return ops.reshape(x, (batch, steps, x.shape[2] * x.shape[3]))

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        width = input_shape[2]
        for _ in self.filters:
            width = None if width is None else width // 2
        return (input_shape[0], input_shape[1],
                None if width is None else width * self.filters[-1])

    def get_config(self):
        return {**super().get_config(), "filters": list(self.filters),
                "kernel_size": list(self.kernel_size)}
