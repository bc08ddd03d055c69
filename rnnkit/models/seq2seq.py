"""An attention encoder-decoder: bidirectional recurrent encoder, Bahdanau attention.

```
e_1 … e_S        = BiRNN(E_src[x_1 … x_S])            (any registry cell, directions concat)
s_0              = tanh(W_0 · mean_j e_j)              (the decoder's first state; others 0)
d_1 … d_T        = RNN(E_tgt[y_0 … y_{T-1}]; s_0)      (teacher forcing, y_0 = <s>)
c_t, a_t         = BahdanauAttention(d_t; e_1 … e_S)   (padding masked: a_tj = 0)
o_t              = W_b [c_t; d_t]                       (linear bottleneck, optional)
p(y_t | y_<t, x) = softmax(W_o o_t + b_o)
```
Token id 0 is padding on both sides. The decoder RNN runs over the whole target at
once and each of its outputs then queries the encoder outputs (Luong's "attention
after the RNN", the design of TensorFlow's NMT tutorial): training is one RNN pass,
not a Python loop. At inference the same layers run one step at a time
(`Seq2SeqInference`), so a `.keras` file of the training model is all one saves.
"""

import keras
import numpy as np
from keras import ops

from rnnkit.layers import BahdanauAttention
from rnnkit.models.registry import build_recurrent


@keras.saving.register_keras_serializable(package="rnnkit")
class PaddingMask(keras.layers.Layer):
    """`ids != 0` as a boolean `[B, T]` mask (token id 0 is padding)."""

    def call(self, ids):
        return ops.not_equal(ids, 0)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="rnnkit")
class ZeroState(keras.layers.Layer):
    """A zero state `[B, size]` shaped after `reference` `[B, ...]`."""

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, reference):
        return ops.zeros((ops.shape(reference)[0], self.size), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="rnnkit")
def masked_sparse_crossentropy(y_true, logits):
    """Mean cross-entropy (nats) over the non-padding target tokens of the batch."""
    y_true = ops.cast(y_true, "int32")
    losses = keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
    mask = ops.cast(ops.not_equal(y_true, 0), losses.dtype)
    return ops.sum(losses * mask) / ops.maximum(ops.sum(mask), 1.0)


def state_sizes(rnn_layer):
    """The flat list of state sizes of a recurrent layer's cell (ints only); a
    `StackedRNN`'s are its layers' states, layer by layer."""
    layers = getattr(rnn_layer, "recurrent_layers", None)
    if layers is not None:
        return [s for layer in layers for s in state_sizes(layer)]
    size = rnn_layer.cell.state_size
    sizes = [size] if isinstance(size, int) else list(size)
    if not all(isinstance(s, int) for s in sizes):
        raise ValueError(
            f"The decoder cell needs flat integer state sizes. Received: state_size={size!r}")
    return sizes


def build_seq2seq(
    source_vocab_size,
    target_vocab_size,
    *,
    embedding_dim=128,
    cell="gru",
    encoder_units=128,
    decoder_units=256,
    attention_units=128,
    output_units=None,
    dropout=0.0,
    name="seq2seq",
    **cell_kwargs,
):
    """The training model: `{"source": [B, S], "target_in": [B, T]}` -> logits `[B, T, V]`.

    Args:
        source_vocab_size, target_vocab_size: Vocabulary sizes including padding id 0.
        embedding_dim: Size of both embeddings.
        cell: `rnnkit.models.build_recurrent` name of encoder and decoder.
        encoder_units: Units per direction of the bidirectional encoder.
        decoder_units: Units of the decoder.
        attention_units: Hidden size of the Bahdanau scoring MLP.
        output_units: Size of the linear bottleneck `o_t` before the vocabulary
            projection (`None`: none). The projection onto the vocabulary dominates
            the cost of a step; a bottleneck of half `[c_t; d_t]` halves it. (No
            nonlinearity here: a tanh at this point kept a model at the unigram loss.)
        dropout: Dropout on the embeddings and before the output layer (0: none).
        **cell_kwargs: Passed to both recurrent layers.

    Example:

    ```python
    model = build_seq2seq(800, 1000, encoder_units=32, decoder_units=64)
    model.output_shape  # (None, None, 1000)
    ```
    """
    source = keras.Input((None,), dtype="int32", name="source")
    target_in = keras.Input((None,), dtype="int32", name="target_in")
    x = keras.layers.Embedding(source_vocab_size, embedding_dim, mask_zero=True,
                               name="source_embedding")(source)
    if dropout:
        x = keras.layers.Dropout(dropout)(x)
    encoder = keras.layers.Bidirectional(
        build_recurrent(cell, encoder_units, return_sequences=True, **cell_kwargs),
        name="encoder")
    encoded = encoder(x)
    source_mask = PaddingMask(name="source_mask")(source)
    summary = keras.layers.GlobalAveragePooling1D(name="encoder_summary")(encoded)

    decoder = build_recurrent(cell, decoder_units, return_sequences=True, return_state=True,
                              name="decoder", **cell_kwargs)
    initial = _initial_states(decoder, summary, decoder_units)
    y = keras.layers.Embedding(target_vocab_size, embedding_dim, name="target_embedding")(
        target_in)  # no mask: the decoder is causal and padding sits at the end
    if dropout:
        y = keras.layers.Dropout(dropout)(y)
    decoded = decoder(y, initial_state=initial)[0]
    context, _ = BahdanauAttention(attention_units, name="attention")(
        decoded, encoded, keys_mask=source_mask)
    features = keras.layers.Concatenate(name="context_and_state")([context, decoded])
    if output_units:
        features = keras.layers.Dense(output_units, name="bottleneck")(features)
    if dropout:
        features = keras.layers.Dropout(dropout)(features)
    logits = keras.layers.Dense(target_vocab_size, name="logits")(features)
    return keras.Model({"source": source, "target_in": target_in}, logits, name=name)


def _initial_states(decoder, summary, units):
    """`tanh(W_0 summary)` for the first state, zeros for the others (e.g. LSTM's `c`)."""
    sizes = state_sizes(decoder)
    first = keras.layers.Dense(sizes[0], activation="tanh", name="initial_state")(summary)
    return [first] + [ZeroState(s, name=f"zero_state_{i}")(summary)
                      for i, s in enumerate(sizes[1:], start=1)]


class Seq2SeqInference:
    """Step-by-step decoding with the layers of a trained `build_seq2seq` model.

    `encode(source_ids)` runs the encoder once; `step(tokens, states, encoded,
    source_ids)` advances the decoder by one token for every row and returns the
    log-probabilities of the next token `[B, V]`, the attention weights `[B, S]` and
    the new states. Both are compiled (`predict_on_batch`) and work on every backend.
    """

    def __init__(self, model):
        self.model = model
        source = keras.Input((None,), dtype="int32", name="source")
        x = model.get_layer("source_embedding")(source)
        encoded = model.get_layer("encoder")(x)
        summary = model.get_layer("encoder_summary")(encoded)
        decoder = model.get_layer("decoder")
        self.sizes = state_sizes(decoder)
        first = model.get_layer("initial_state")(summary)
        zeros = [model.get_layer(f"zero_state_{i}")(summary)
                 for i in range(1, len(self.sizes))]
        self.encoder_model = keras.Model(source, [encoded, first, *zeros], name="encoder")

        token = keras.Input((1,), dtype="int32", name="token")
        memory = keras.Input((None, encoded.shape[-1]), name="encoded")
        ids = keras.Input((None,), dtype="int32", name="source_ids")
        states = [keras.Input((s,), name=f"state_{i}") for i, s in enumerate(self.sizes)]
        y = model.get_layer("target_embedding")(token)
        outputs = decoder(y, initial_state=states)
        decoded, new_states = outputs[0], outputs[1:]
        attention = model.get_layer("attention")
        context, weights = attention(decoded, memory, keys_mask=PaddingMask()(ids))
        features = keras.layers.Concatenate()([context, decoded])
        if any(layer.name == "bottleneck" for layer in model.layers):
            features = model.get_layer("bottleneck")(features)
        logits = model.get_layer("logits")(features)
        vocab = logits.shape[-1]
        log_probs = keras.layers.Activation("log_softmax")(
            keras.layers.Reshape((vocab,))(logits))
        weights = keras.layers.Reshape((-1,))(weights)
        self.step_model = keras.Model([token, memory, ids, *states],
                                      [log_probs, weights, *new_states], name="decoder_step")

    def encode(self, source_ids):
        """`(encoded [B, S, D], states)` of int source ids `[B, S]`."""
        out = self.encoder_model.predict_on_batch(np.asarray(source_ids, dtype="int32"))
        return np.asarray(out[0]), [np.asarray(s) for s in out[1:]]

    def step(self, tokens, states, encoded, source_ids):
        """One decoder step: `(log_probs [B, V], weights [B, S], new states)`."""
        tokens = np.asarray(tokens, dtype="int32").reshape(-1, 1)
        out = self.step_model.predict_on_batch(
            [tokens, encoded, np.asarray(source_ids, dtype="int32"), *states])
        return (np.asarray(out[0]), np.asarray(out[1]),
                [np.asarray(s) for s in out[2:]])
