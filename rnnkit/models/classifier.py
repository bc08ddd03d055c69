"""A sequence classifier: (embedding |) registry RNN, pooling, softmax over classes."""

import keras

from rnnkit.layers import AttentionPooling, BagLinear, ConvFrontEnd, MaskedMaxPooling
from rnnkit.models.registry import build_recurrent

POOLINGS = ("last", "attention", "mean", "max", "mean_max")


def build_classifier(
    num_classes,
    *,
    input_dim=None,
    vocab_size=None,
    embedding_dim=128,
    cell="gru",
    units=64,
    bidirectional=True,
    pooling="last",
    dropout=0.0,
    embedding_dropout=0.0,
    ngram_buckets=0,
    conv_filters=(),
    name="classifier",
    **cell_kwargs,
):
    """Many-to-one classifier of variable-length sequences, padding masked.

    ```
    x_t = E[w_t]  (tokens, vocab_size given)  |  x_t = features (input_dim given)
    x_t = ConvFrontEnd(x)_t                            (conv_filters, feature input)
    h_1 … h_T = RNN(x_1 … x_T)                         (any registry cell)
    c = h_T | Σ_t a_t h_t (attention) | mean_t h_t | max_t h_t
        | [mean_t h_t ; max_t h_t] (mean_max)          (pooling over unmasked t)
    p(y | x) = softmax(V c + b)
    ```
    With `ngram_buckets` (token input) a second, linear path reads the text's bag of
    hashed n-gram ids `S` (a second input `"ngrams"`: ``{"tokens": [B, T], "ngrams":
    [B, N]}``), and a fusion layer mixes the two paths' logits:
    ```
    z_deep = V c + b                    z_wide = BagLinear(S)   (NB-scaled: NBSVM's model)
    p(y | x) = softmax(F [z_deep ; z_wide] + f)     F = [I ; I], f = 0 until fitted
    ```
    Each path is a classifier of its own (`classifier_paths`), so they can be trained
    apart and `F`, `f` fitted on held-out texts afterwards (a stacked ensemble, as
    Mesnil et al. 2015 combine an RNN with NBSVM); trained as one model instead, it is
    wide & deep (Cheng et al. 2016).
    Padding is token id 0 (token input) or an all-zero frame (feature input); it
    is masked through the RNN and the pooling.

    Args:
        num_classes: Number of classes (≥ 2); the output is a softmax over them.
        input_dim: Features per step, for real-valued sequences (spectrogram frames).
        vocab_size: Vocabulary size including padding id 0, for token sequences.
        embedding_dim: Embedding size (token input).
        cell, units, bidirectional: see `rnnkit.models.build_recurrent`.
        pooling: `last` (final state), `attention` (`AttentionPooling`), `mean`,
            `max` (`MaskedMaxPooling`) or `mean_max` (both, concatenated).
        dropout: Dropout before the softmax layer.
        embedding_dropout: Share of embedding channels zeroed for a whole text
            (`SpatialDropout1D`, training only; token input).
        conv_filters: Filters of each block of a `ConvFrontEnd` (convolutions over time
            and frequency, frequency pooled by 2 per block) before the recurrent layer;
            feature input only; empty = none.
        ngram_buckets: Hash buckets of the n-gram ids (ids 1 … ngram_buckets, 0 =
            padding) of a linear n-gram channel beside the recurrent path (token input);
            0 = none.
        **cell_kwargs: Passed to the recurrent layer.

    Example:

    ```python
    model = build_classifier(10, input_dim=40, cell="leaky", pooling="attention")
    model.output_shape  # (None, 10)
    ```
    """
    if (input_dim is None) == (vocab_size is None):
        raise ValueError(
            "Give exactly one of `input_dim` (feature sequences) and `vocab_size` (token "
            f"sequences). Received: input_dim={input_dim}, vocab_size={vocab_size}"
        )
    if pooling not in POOLINGS:
        raise ValueError(f"`pooling` must be one of {POOLINGS}. Received: pooling={pooling!r}")
    if conv_filters and vocab_size is not None:
        raise ValueError("`conv_filters` needs feature input (`input_dim`).")
    if vocab_size is not None:
        inputs = keras.Input((None,), dtype="int32", name="tokens")
        x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(inputs)
        if embedding_dropout:
            x = keras.layers.SpatialDropout1D(embedding_dropout)(x)
    else:
        inputs = keras.Input((None, input_dim), name="frames")
        x = keras.layers.Masking(0.0)(inputs)
        if conv_filters:
            x = ConvFrontEnd(tuple(conv_filters), name="conv_frontend")(x)
    sequence = pooling != "last"
    h = build_recurrent(cell, units, bidirectional=bidirectional, return_sequences=sequence,
                        **cell_kwargs)(x)
    if pooling == "attention":
        h = AttentionPooling(units)(h)
    elif pooling == "mean":
        h = keras.layers.GlobalAveragePooling1D()(h)
    elif pooling == "max":
        h = MaskedMaxPooling()(h)
    elif pooling == "mean_max":
        h = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling1D()(h),
                                        MaskedMaxPooling()(h)])
    if dropout:
        h = keras.layers.Dropout(dropout)(h)
    if not ngram_buckets:
        outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(h)
        return keras.Model(inputs, outputs, name=name)
    if vocab_size is None:
        raise ValueError("`ngram_buckets` needs token input (`vocab_size`).")
    bag = keras.Input((None,), dtype="int32", name="ngrams")
    both = keras.layers.Concatenate(name="path_logits")([
        keras.layers.Dense(num_classes, name="deep_logits")(h),
        BagLinear(ngram_buckets + 1, num_classes, name="ngram_logits")(bag)])
    sum_of_paths = keras.initializers.Constant(
        [[float(i % num_classes == j) for j in range(num_classes)]
         for i in range(2 * num_classes)])
    logits = keras.layers.Dense(num_classes, kernel_initializer=sum_of_paths,
                                name="fusion")(both)
    outputs = keras.layers.Softmax(name="probabilities")(logits)
    return keras.Model({"tokens": inputs, "ngrams": bag}, outputs, name=name)


def classifier_paths(model):
    """The two paths of a classifier built with `ngram_buckets` as classifiers of their
    own, sharing its layers: ``{"deep": tokens -> p, "wide": ngrams -> p, "logits":
    {"tokens", "ngrams"} -> [z_deep ; z_wide]}`` (training a path trains the model's
    layers; "logits" is what the fusion layer reads)."""
    tokens, ngrams = (model.get_layer(name).output for name in ("tokens", "ngrams"))
    softmax = keras.layers.Softmax
    return {
        "deep": keras.Model(tokens, softmax()(model.get_layer("deep_logits").output),
                            name="deep_path"),
        "wide": keras.Model(ngrams, softmax()(model.get_layer("ngram_logits").output),
                            name="wide_path"),
        "logits": keras.Model({"tokens": tokens, "ngrams": ngrams},
                              model.get_layer("path_logits").output, name="path_logits"),
    }
