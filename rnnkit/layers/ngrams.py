"""Hashed word n-grams of a token-id sequence: the bag-of-n-grams channel of fastText."""

import keras
from keras import ops

from rnnkit.layers.base import check_positive_int

#: The pair id `w_t · V + w_{t+1}` must fit in int32 (JAX's default integer).
MAX_VOCABULARY = 46340


@keras.saving.register_keras_serializable(package="rnnkit")
class HashedBigrams(keras.layers.Layer):
    """Token ids `[B, T]` -> the ids of their unigrams and hashed bigrams `[B, 2T - 1]`.

    ```
    u_t = w_t                                                 t = 1 … T   (the word itself)
    b_t = V + ((w_t · V + w_{t+1}) mod K)   if w_t, w_{t+1} ≠ 0 else 0   t = 1 … T-1
    output = [u_1 … u_T ; b_1 … b_{T-1}]                      ids in [0, V + K)
    ```

    `V` is the vocabulary (id 0 is padding and stays 0, so `mask_zero` masks it) and `K`
    the hash buckets shared by all bigrams. An `Embedding(V + K, d, mask_zero=True)`
    averaged over the unmasked ids is fastText's bag of uni- and bigrams (Joulin et al.
    2017), which word order inside a bigram reaches and a recurrent layer may not.

    Args:
        vocab_size: Positive integer `V`, at most 46,340 (the pair id fits in int32).
        buckets: Positive integer `K`, hash buckets of the bigrams.

    Example:

    ```python
    ids = keras.Input((None,), dtype="int32")
    grams = HashedBigrams(20000, 2**18)(ids)                     # (None, None)
    bag = keras.layers.Embedding(20000 + 2**18, 16, mask_zero=True)(grams)
    features = keras.layers.GlobalAveragePooling1D()(bag)      # (None, 16)
    ```
    """

    def __init__(self, vocab_size, buckets, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = check_positive_int("vocab_size", vocab_size)
        if vocab_size > MAX_VOCABULARY:
            raise ValueError(f"`vocab_size` must be at most {MAX_VOCABULARY} (the bigram pair "
                             f"id must fit in int32). Received: vocab_size={vocab_size}")
        self.buckets = check_positive_int("buckets", buckets)

    @property
    def output_ids(self):
        """Rows the embedding over this layer's output needs: `V + K`."""
        return self.vocab_size + self.buckets

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        first, second = ids[:, :-1], ids[:, 1:]
        hashed = self.vocab_size + ops.mod(first * self.vocab_size + second, self.buckets)
        bigrams = ops.where(ops.logical_or(first == 0, second == 0), 0, hashed)
        return ops.concatenate([ids, bigrams], axis=1)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else 2 * steps - 1)

    def compute_mask(self, inputs, mask=None):
        return None  # the embedding above masks id 0

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "buckets": self.buckets}
