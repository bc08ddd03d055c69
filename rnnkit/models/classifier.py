"""A sequence classifier: (embedding |) registry RNN, pooling, softmax over classes."""

import keras

from rnnkit.layers import AttentionPooling, HashedBigrams, MaskedMaxPooling
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
    ngram_dim=16,
    name="classifier",
    **cell_kwargs,
):
    """Many-to-one classifier of variable-length sequences, padding masked.

    ```
    x_t = E[w_t]  (tokens, vocab_size given)  |  x_t = features (input_dim given)
    h_1 … h_T = RNN(x_1 … x_T)                         (any registry cell)
    c = h_T | Σ_t a_t h_t (attention) | mean_t h_t | max_t h_t
        | [mean_t h_t ; max_t h_t] (mean_max)          (pooling over unmasked t)
    g = mean over unmasked j of G[HashedBigrams(w)_j]    (ngram_buckets > 0, tokens)
    p(y | x) = softmax(V [c ; g] + b)
    ```
    With `ngram_buckets` a fastText-style bag of the text's words and hashed bigrams
    sits beside the recurrent path, both read by the softmax layer.
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
        ngram_buckets: Hash buckets of a bag-of-n-grams channel (`HashedBigrams`; token
            input); 0 = none.
        ngram_dim: Width of the n-gram embedding `G`.
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
    if vocab_size is not None:
        inputs = keras.Input((None,), dtype="int32", name="tokens")
        x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True)(inputs)
        if embedding_dropout:
            x = keras.layers.SpatialDropout1D(embedding_dropout)(x)
    else:
        inputs = keras.Input((None, input_dim), name="frames")
        x = keras.layers.Masking(0.0)(inputs)
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
    if ngram_buckets:
        if vocab_size is None:
            raise ValueError("`ngram_buckets` needs token input (`vocab_size`).")
        grams = HashedBigrams(vocab_size, ngram_buckets, name="ngrams")(inputs)
        bag = keras.layers.Embedding(vocab_size + ngram_buckets, ngram_dim, mask_zero=True,
                                     name="ngram_embedding")(grams)
        h = keras.layers.Concatenate()([h, keras.layers.GlobalAveragePooling1D()(bag)])
    if dropout:
        h = keras.layers.Dropout(dropout)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(h)
    return keras.Model(inputs, outputs, name=name)
