"""Length-bucketed batches: every text once per epoch, little padding, order restored."""

import numpy as np

from pipelines.sentiment.batches import BucketedDataset, pad, predict_proba


def ragged(n=300, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 200, size=n)
    return [np.arange(1, k + 1, dtype="int32") + 1 for k in lengths], rng.integers(0, 2, n)


def rows_of(data):
    return np.concatenate(data.batches)


def test_pad_right_pads_with_zero_to_a_multiple():
    x = pad([np.array([5, 6, 7]), np.array([8])], pad_multiple=4)
    np.testing.assert_array_equal(x, [[5, 6, 7, 0], [8, 0, 0, 0]])
    assert x.dtype == np.int32


def test_each_epoch_covers_every_text_once_in_a_new_order():
    seqs, labels = ragged()
    data = BucketedDataset(seqs, labels, batch_size=16, shuffle=True, seed=1, bucket_batches=5)
    first = rows_of(data)
    assert sorted(first) == list(range(len(seqs)))
    data.on_epoch_end()
    second = rows_of(data)
    assert sorted(second) == list(range(len(seqs))) and not np.array_equal(first, second)
    x, y = data[0]
    rows = data.batches[0]
    assert x.shape[1] % 16 == 0 and x.shape[1] >= max(len(seqs[r]) for r in rows)
    np.testing.assert_array_equal(y, labels[rows])
    for row, r in zip(x, rows, strict=True):  # each row: its own ids, then padding
        np.testing.assert_array_equal(row[: len(seqs[r])], seqs[r])
        assert not row[len(seqs[r]):].any()


def test_bucketing_cuts_padding():
    seqs, labels = ragged(seed=2)
    bucketed = BucketedDataset(seqs, labels, batch_size=16, shuffle=True, bucket_batches=20)
    plain = BucketedDataset(seqs, labels, batch_size=16, shuffle=True, bucket_batches=1,
                            pad_multiple=1)
    plain.batches = [np.random.default_rng(0).permutation(len(seqs))[i:i + 16]
                     for i in range(0, len(seqs), 16)]
    assert bucketed.padding_share() < 0.15 < plain.padding_share()


def test_first_two_batches_differ_in_length():
    """Keras on TensorFlow fixes the time axis when the first two batches agree."""
    seqs = [np.ones(5, "int32")] * 64 + [np.ones(70, "int32")] * 16
    data = BucketedDataset(seqs, np.zeros(80), batch_size=16, shuffle=False)
    assert data[0][0].shape[1] != data[1][0].shape[1]
    assert sorted(rows_of(data)) == list(range(80))


class LengthModel:
    """Stands in for a Keras model: p(class 1) grows with the unpadded length."""

    output_shape = (None, 2)

    def predict_on_batch(self, x):
        n = (x != 0).sum(axis=1) / 1000.0
        return np.stack([1 - n, n], axis=1)


def test_predict_proba_returns_rows_in_input_order():
    seqs, _ = ragged(n=50, seed=3)
    probs = predict_proba(LengthModel(), seqs, batch_size=8)
    np.testing.assert_allclose(probs[:, 1], [len(s) / 1000.0 for s in seqs], rtol=1e-6)
    assert predict_proba(LengthModel(), []).shape == (0, 2)


def test_word_dropout_replaces_words_not_padding():
    seqs = [np.full(k, 7, "int32") for k in range(1, 101)]
    data = BucketedDataset(seqs, np.zeros(100), batch_size=100, shuffle=True, word_dropout=0.3)
    x, _ = data[0]
    words = x != 0
    assert words.sum() == sum(range(1, 101))  # padding stays padding
    share = (x[words] == 1).mean()
    assert 0.25 < share < 0.35 and set(np.unique(x[words])) == {1, 7}
    clean = BucketedDataset(seqs, np.zeros(100), batch_size=100)
    assert not (clean[0][0] == 1).any()
