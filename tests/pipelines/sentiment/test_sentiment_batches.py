"""Token-id batches: ids and labels per row, word dropout on words only, input order."""

import numpy as np

from pipelines.sentiment.batches import TokenBatches, predict_proba


def test_batches_hold_each_texts_ids_and_label():
    rng = np.random.default_rng(0)
    seqs = [np.arange(2, k + 2, dtype="int32") for k in rng.integers(1, 100, size=60)]
    labels = rng.integers(0, 2, 60)
    data = TokenBatches(seqs, labels, batch_size=16, shuffle=True, seed=1)
    for index in range(len(data)):
        x, y = data[index]
        rows = data.batches[index]
        np.testing.assert_array_equal(y, labels[rows])
        for row, r in zip(x, rows, strict=True):
            np.testing.assert_array_equal(row[: len(seqs[r])], seqs[r])
            assert not row[len(seqs[r]):].any()


class LengthModel:
    """Stands in for a Keras model: p(class 1) grows with the unpadded length."""

    output_shape = (None, 2)

    def predict(self, data, verbose=0):
        n = np.concatenate([(data[i][0] != 0).sum(axis=1) for i in range(len(data))]) / 1000
        return np.stack([1 - n, n], axis=1)


def test_predict_proba_returns_rows_in_input_order():
    seqs = [np.full(k, 3, "int32") for k in np.random.default_rng(3).integers(1, 200, 50)]
    probs = predict_proba(LengthModel(), seqs, batch_size=8)
    np.testing.assert_allclose(probs[:, 1], [len(s) / 1000.0 for s in seqs], rtol=1e-6)
    assert predict_proba(LengthModel(), []).shape == (0, 2)


def test_word_dropout_replaces_words_not_padding():
    seqs = [np.full(k, 7, "int32") for k in range(1, 101)]
    data = TokenBatches(seqs, np.zeros(100), batch_size=100, shuffle=True, word_dropout=0.3)
    x, _ = data[0]
    words = x != 0
    assert words.sum() == sum(range(1, 101))  # padding stays padding
    share = (x[words] == 1).mean()
    assert 0.25 < share < 0.35 and set(np.unique(x[words])) == {1, 7}
    clean = TokenBatches(seqs, np.zeros(100), batch_size=100)
    assert not (clean[0][0] == 1).any()
