"""Length-bucketed batches: every row once per epoch, little padding, order restored,
and a time axis Keras leaves free."""

import keras
import numpy as np
import pytest

from pipelines.core.bucketing import BucketedDataset, pad, plan_batches, predict_in_order


class Pairs(BucketedDataset):
    """Two ragged int inputs per row (a source and a target), as translation batches."""

    def __init__(self, sources, targets, **kwargs):
        self.sources, self.targets = sources, targets
        super().__init__(**kwargs)

    def lengths(self):
        return np.array([[len(s), len(t)] for s, t in zip(self.sources, self.targets,
                                                            strict=True)])

    def make_batch(self, rows, widths):
        return (pad([self.sources[r] for r in rows], widths[0]),
                pad([self.targets[r] for r in rows], widths[1]))


def ragged(n=300, seed=0, high=200):
    rng = np.random.default_rng(seed)
    return [np.arange(1, k + 1, dtype="int32") for k in rng.integers(1, high, size=n)]


def test_pad_right_pads_ids_and_frames():
    x = pad([np.array([5, 6, 7]), np.array([8])], pad_multiple=4)
    np.testing.assert_array_equal(x, [[5, 6, 7, 0], [8, 0, 0, 0]])
    assert x.dtype == np.int32
    frames = pad([np.ones((2, 3), "float32"), np.ones((5, 3), "float32")], 8)
    assert frames.shape == (2, 8, 3) and frames.dtype == np.float32
    assert frames[0, :2].all() and not frames[0, 2:].any()
    with pytest.raises(ValueError, match="length 5 to 4"):
        pad([np.ones(5)], 4)


def test_each_epoch_covers_every_row_once_in_a_new_order():
    src, tgt = ragged(), ragged(seed=1)
    data = Pairs(src, tgt, batch_size=16, shuffle=True, seed=1, pool_batches=5)
    first = data.order.copy()
    assert sorted(first) == list(range(len(src)))
    data.on_epoch_end()
    assert sorted(data.order) == list(range(len(src))) and not np.array_equal(first, data.order)
    for index in range(len(data)):
        x, y = data[index]
        rows = data.batches[index]
        assert x.shape[1] % 16 == 0 and y.shape[1] % 16 == 0
        for row, r in zip(x, rows, strict=True):  # each row: its own ids, then padding
            np.testing.assert_array_equal(row[: len(src[r])], src[r])
            assert not row[len(src[r]):].any()


def test_bucketing_cuts_padding():
    seqs = ragged(seed=2)
    bucketed = Pairs(seqs, seqs, batch_size=16, shuffle=True, pool_batches=20, pad_multiple=1)
    plain = Pairs(seqs, seqs, batch_size=16, shuffle=True, pool_batches=1, pad_multiple=1)
    assert bucketed.padding_share() < 0.15 < plain.padding_share()


def test_first_two_batches_differ_in_every_ragged_width():
    """Keras on TensorFlow fixes an axis on which the first two batches agree."""
    same = [np.ones(5, "int32")] * 64
    data = Pairs(same, same, batch_size=16, shuffle=False)
    (x0, y0), (x1, y1) = data[0], data[1]
    assert x0.shape[1] != x1.shape[1] and y0.shape[1] != y1.shape[1]
    lone = Pairs(ragged(n=10, seed=3), ragged(n=10, seed=4), batch_size=32)
    assert lone.widths == [tuple(16 * -(-m // 16) for m in lone.lengths().max(axis=0))]


def test_plan_without_rng_sorts_by_length():
    lengths = np.array([5, 1, 4, 2, 3])
    assert [b.tolist() for b in plan_batches(lengths, 2)] == [[1, 3], [4, 2], [0]]


def test_keras_fits_batches_longer_than_the_first_two():
    seqs = [np.ones(3, "int32")] * 32 + [np.ones(90, "int32")] * 16
    labels = np.arange(48) % 2

    class Tokens(Pairs):
        def make_batch(self, rows, widths):
            return pad([self.sources[r] for r in rows], widths[0]), labels[rows]

    data = Tokens(seqs, seqs, batch_size=16, shuffle=False)
    model = keras.Sequential([keras.layers.Embedding(4, 4, mask_zero=True),
                              keras.layers.GRU(4), keras.layers.Dense(2, "softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(data, epochs=1, verbose=0)  # batch 2 (length 96) is longer than 0 and 1
    assert predict_in_order(model, data).shape == (48, 2)


class LengthModel:
    """Stands in for a Keras model: p(class 1) grows with the unpadded length."""

    output_shape = (None, 2)

    def predict(self, data, verbose=0):
        n = np.concatenate([(data[i][0] != 0).sum(axis=1) for i in range(len(data))]) / 1000
        return np.stack([1 - n, n], axis=1)


def test_predict_in_order_returns_rows_in_input_order():
    seqs = ragged(n=50, seed=3)
    probs = predict_in_order(LengthModel(), Pairs(seqs, seqs, batch_size=8))
    np.testing.assert_allclose(probs[:, 1], [len(s) / 1000.0 for s in seqs], rtol=1e-6)
    assert predict_in_order(LengthModel(), Pairs([], [], batch_size=8)).shape == (0, 2)
