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
(`Seq2SeqInference`, through `Seq2Seq.call_encoder` and `call_decoder`), so a
`.keras` file of the training model is all one saves.
"""

import keras
import numpy as np
from keras import ops

from rnnkit.layers import BahdanauAttention
from rnnkit.models.registry import build_recurrent
from rnnkit.models.token_loss import (
    OutputFeatures,
    check_label_smoothing,
    logits_term,
    masked_sparse_crossentropy,
    smoothing_term,
)


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


@keras.saving.register_keras_serializable(package="rnnkit")
class Seq2Seq(keras.Model):
    """The training model: `{"source": [B, S], "target_in": [B, T]}` -> logits `[B, T, V]`.

    A functional model (keras-hub's backbone pattern) whose parts are reached through
    methods, never by layer name: `call_encoder(source)` gives the encoder outputs and
    the decoder's first states, `call_decoder(target_in, states, encoded, source)` the
    logits, attention weights and new states -- over a whole target (teacher forcing)
    or one token at a time (`Seq2SeqInference`). `compile()` defaults to Adam and
    `masked_sparse_crossentropy`.

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
        cell_kwargs: Passed to both recurrent layers.

    Example:

    ```python
    model = Seq2Seq(800, 1000, encoder_units=32, decoder_units=64)
    model.output_shape  # (None, None, 1000)
    ```
    """

    def __init__(self, source_vocab_size, target_vocab_size, *, embedding_dim=128,
                 cell="gru", encoder_units=128, decoder_units=256, attention_units=128,
                 output_units=None, dropout=0.0, cell_kwargs=None, **kwargs):
        cell_kwargs = dict(cell_kwargs or {})
        # === Layers ===
        self.source_embedding = keras.layers.Embedding(
            source_vocab_size, embedding_dim, mask_zero=True, name="source_embedding")
        self.encoder = keras.layers.Bidirectional(
            build_recurrent(cell, encoder_units, return_sequences=True, **cell_kwargs),
            name="encoder")
        self.source_mask = PaddingMask(name="source_mask")
        self.encoder_summary = keras.layers.GlobalAveragePooling1D(name="encoder_summary")
        self.decoder = build_recurrent(cell, decoder_units, return_sequences=True,
                                       return_state=True, name="decoder", **cell_kwargs)
        sizes = state_sizes(self.decoder)
        self.initial_state = keras.layers.Dense(sizes[0], activation="tanh",
                                                name="initial_state")
        self.zero_states = [ZeroState(size, name=f"zero_state_{i}")
                            for i, size in enumerate(sizes[1:], start=1)]
        # no mask on the target: the decoder is causal and padding sits at the end
        self.target_embedding = keras.layers.Embedding(target_vocab_size, embedding_dim,
                                                       name="target_embedding")
        self.attention = BahdanauAttention(attention_units, name="attention")
        self.context_and_state = keras.layers.Concatenate(name="context_and_state")
        self.bottleneck = (keras.layers.Dense(output_units, name="bottleneck")
                           if output_units else None)
        self.embedding_dropout = keras.layers.Dropout(dropout) if dropout else None
        self.output_dropout = keras.layers.Dropout(dropout) if dropout else None
        self.output_features = OutputFeatures(name="output_features")
        self.logits = keras.layers.Dense(target_vocab_size, name="logits")
        self.label_smoothing = 0.0

        # === Functional Model ===
        source = keras.Input((None,), dtype="int32", name="source")
        target_in = keras.Input((None,), dtype="int32", name="target_in")
        encoded, states = self.call_encoder(source)
        logits, _, _ = self.call_decoder(target_in, states, encoded, source)
        super().__init__({"source": source, "target_in": target_in}, logits, **kwargs)

        # === Config ===
        self.source_vocab_size, self.target_vocab_size = source_vocab_size, target_vocab_size
        self.embedding_dim, self.cell, self.cell_kwargs = embedding_dim, cell, cell_kwargs
        self.encoder_units, self.decoder_units = encoder_units, decoder_units
        self.attention_units, self.output_units = attention_units, output_units
        self.dropout = dropout
        self.state_sizes = sizes

    def call_encoder(self, source, training=None):
        """`(encoded [B, S, 2·encoder_units], states)`: the encoder outputs and the
        decoder's first states, `tanh(W_0 · mean_j e_j)` then zeros (e.g. LSTM's `c`)."""
        x = self.source_embedding(source)
        if self.embedding_dropout is not None:
            x = self.embedding_dropout(x, training=training)
        encoded = self.encoder(x)
        summary = self.encoder_summary(encoded)
        states = [self.initial_state(summary)] + [zero(summary) for zero in self.zero_states]
        return encoded, states

    def call_decoder(self, target_in, states, encoded, source, training=None):
        """`(logits [B, T, V], attention weights [B, T, S], new states)` of the target
        tokens `target_in` `[B, T]` (one step: `T = 1`) from decoder `states`."""
        y = self.target_embedding(target_in)
        if self.embedding_dropout is not None:
            y = self.embedding_dropout(y, training=training)
        decoded, *new_states = self.decoder(y, initial_state=list(states))
        context, weights = self.attention(decoded, encoded,
                                          keys_mask=self.source_mask(source))
        features = self.context_and_state([context, decoded])
        if self.bottleneck is not None:
            features = self.bottleneck(features)
        if self.output_dropout is not None:
            features = self.output_dropout(features, training=training)
        return self.logits(self.output_features(features)), weights, new_states

    def compile(self, optimizer="auto", loss="auto", label_smoothing=0.0, **kwargs):
        """Adam (lr 1e-3) and `masked_sparse_crossentropy` unless given.

        `label_smoothing` ε in [0, 1) adds `ε · (z_y - mean_k z_k)` to that loss, taken
        from the output layer's features (`rnnkit.models.token_loss`): the loss and its
        gradients are those of `MaskedSparseCrossentropy(ε)` at the cost of the plain one.
        """
        self.label_smoothing = check_label_smoothing(label_smoothing)
        if self.label_smoothing and loss != "auto":
            raise ValueError("`label_smoothing` adds to the default loss; with your own "
                             "`loss`, smooth it there (e.g. MaskedSparseCrossentropy(ε)).")
        self.output_features.keep = bool(self.label_smoothing)
        optimizer = keras.optimizers.Adam(1e-3) if optimizer == "auto" else optimizer
        loss = masked_sparse_crossentropy if loss == "auto" else loss
        super().compile(optimizer=optimizer, loss=loss, **kwargs)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus, with label smoothing, its term from the features of
        this step's forward pass (over the logits `y_pred` if there was none)."""
        loss = super().compute_loss(x, y, y_pred, sample_weight, training=training)
        if not self.label_smoothing:
            return loss
        features = self.output_features.take()
        term = (logits_term(y, y_pred) if features is None
                else smoothing_term(features, self.logits, y))
        return loss + self.label_smoothing * term

    def get_config(self):
        return {"source_vocab_size": self.source_vocab_size,
                "target_vocab_size": self.target_vocab_size,
                "embedding_dim": self.embedding_dim, "cell": self.cell,
                "encoder_units": self.encoder_units, "decoder_units": self.decoder_units,
                "attention_units": self.attention_units, "output_units": self.output_units,
                "dropout": self.dropout, "cell_kwargs": self.cell_kwargs,
                "name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @classmethod
    def from_functional(cls, model: keras.Model) -> "Seq2Seq":
        """A `Seq2Seq` with the weights of a plain functional model that `build_seq2seq`
        made before this class existed (rnnkit <= commit db51766): the one place that
        finds layers by name, so such a `.keras` file still translates."""
        names = {layer.name for layer in model.layers}
        needed = {"source_embedding", "encoder", "decoder", "attention", "logits",
                  "target_embedding", "initial_state"}
        if not needed <= names:
            raise ValueError(f"{model.name!r} is not an rnnkit seq2seq model: it lacks the "
                             f"layers {sorted(needed - names)}.")
        get = model.get_layer
        decoder = get("decoder")
        inner = getattr(get("encoder"), "forward_layer", None)
        new = cls(get("source_embedding").input_dim, get("logits").units,
                  embedding_dim=get("source_embedding").output_dim,
                  cell=_registry_name(decoder), encoder_units=_units(inner),
                  decoder_units=_units(decoder), attention_units=get("attention").units,
                  output_units=get("bottleneck").units if "bottleneck" in names else None,
                  dropout=_dropout(model), name=model.name)
        pairs = [(new.source_embedding, "source_embedding"), (new.encoder, "encoder"),
                 (new.decoder, "decoder"), (new.initial_state, "initial_state"),
                 (new.target_embedding, "target_embedding"), (new.attention, "attention"),
                 (new.logits, "logits")]
        if new.bottleneck is not None:
            pairs.append((new.bottleneck, "bottleneck"))
        for layer, name in pairs:
            layer.set_weights(get(name).get_weights())
        return new


def _registry_name(layer) -> str:
    name = type(layer).__name__
    names = {"GRU": "gru", "LSTM": "lstm", "SimpleRNN": "simple", "Elman": "elman",
             "LeakyRNN": "leaky", "SkipDelayRNN": "skip_delay", "MultiScaleRNN": "multiscale",
             "DeepTransitionRNN": "dts" if getattr(layer.cell, "shortcut", False) else "dt"}
    if name not in names:
        raise ValueError(f"A legacy seq2seq with a {name} decoder cannot be converted; "
                         "retrain it with this version.")
    return names[name]


def _units(layer) -> int:
    return int(layer.cell.units)


def _dropout(model) -> float:
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    return float(rates[0]) if rates else 0.0


def build_seq2seq(source_vocab_size, target_vocab_size, *, name="seq2seq", **kwargs):
    """A `Seq2Seq` (arguments as there; extra keyword arguments are the cells')."""
    known = {"embedding_dim", "cell", "encoder_units", "decoder_units", "attention_units",
             "output_units", "dropout", "cell_kwargs"}
    cell_kwargs = {**kwargs.pop("cell_kwargs", {}),
                   **{k: kwargs.pop(k) for k in list(kwargs) if k not in known}}
    return Seq2Seq(source_vocab_size, target_vocab_size, name=name, cell_kwargs=cell_kwargs,
                   **kwargs)


class Seq2SeqInference:
    """Step-by-step decoding with the layers of a trained `Seq2Seq` model.

    `encode(source_ids)` runs the encoder once; `step(tokens, states, encoded,
    source_ids)` advances the decoder by one token for every row and returns the
    log-probabilities of the next token `[B, V]`, the attention weights `[B, S]` and
    the new states. Both are compiled (`predict_on_batch`) and work on every backend.
    A functional model saved by `build_seq2seq` before `Seq2Seq` existed is converted
    first (`Seq2Seq.from_functional`).
    """

    def __init__(self, model):
        if not isinstance(model, Seq2Seq):
            model = Seq2Seq.from_functional(model)
        self.model = model
        self.sizes = list(model.state_sizes)
        source = keras.Input((None,), dtype="int32", name="source")
        encoded, first_states = model.call_encoder(source)
        self.encoder_model = keras.Model(source, [encoded, *first_states], name="encoder")

        token = keras.Input((1,), dtype="int32", name="token")
        memory = keras.Input((None, encoded.shape[-1]), name="encoded")
        ids = keras.Input((None,), dtype="int32", name="source_ids")
        states = [keras.Input((s,), name=f"state_{i}") for i, s in enumerate(self.sizes)]
        logits, weights, new_states = model.call_decoder(token, states, memory, ids)
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
