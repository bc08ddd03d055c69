import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.models import build_classifier


@pytest.mark.parametrize("pooling", ["last", "attention", "mean", "max", "mean_max"])
def test_token_classifier_ignores_padding_and_reloads(pooling, tmp_path):
    model = build_classifier(3, vocab_size=50, embedding_dim=8, cell="leaky", units=6,
                             pooling=pooling)
    tokens = np.array([[5, 9, 2, 0, 0], [7, 7, 7, 7, 7]], dtype="int32")
    longer = np.concatenate([tokens, np.zeros((2, 4), "int32")], axis=1)
    p = model.predict(tokens, verbose=0)
    assert p.shape == (2, 3)
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-6)
    np.testing.assert_allclose(model.predict(longer, verbose=0), p, atol=1e-5)
    np.testing.assert_array_equal(save_and_reload(model, tmp_path).predict(tokens, verbose=0), p)


def test_feature_classifier_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 12, 4)).astype("float32")
    y = (x[:, :, 0].mean(1) > 0).astype("int32")
    model = build_classifier(2, input_dim=4, cell="gru", units=8, pooling="attention")
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=40, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_bad_arguments():
    with pytest.raises(ValueError, match="exactly one"):
        build_classifier(2)
    with pytest.raises(ValueError, match="pooling='median'"):
        build_classifier(2, input_dim=3, pooling="median")
