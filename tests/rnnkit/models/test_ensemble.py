"""average_models: the mean of the members' outputs, padding masked in each, saved and
reloaded as one model; members must be told apart."""

import keras
import numpy as np
import pytest

from layer_testing import save_and_reload
from rnnkit.models import average_models, build_classifier


def test_the_ensemble_answers_the_mean_of_its_members_and_reloads(tmp_path):
    keras.utils.set_random_seed(0)
    members = [build_classifier(3, input_dim=5, units=4, pooling="attention",
                                name=f"member_{i}") for i in range(3)]
    model = average_models(members)
    x = np.random.default_rng(0).normal(size=(4, 9, 5)).astype("float32")
    x[2, 5:] = 0.0  # padding
    expected = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(save_and_reload(model, tmp_path).predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    assert model.input.name == "frames" and model.output_shape == (None, 3)


def test_one_member_is_itself_and_members_need_names():
    member = build_classifier(2, input_dim=3, units=2)
    assert average_models([member]) is member
    with pytest.raises(ValueError, match="own name"):
        average_models([member, build_classifier(2, input_dim=3, units=2)])
    with pytest.raises(ValueError, match="at least one"):
        average_models([])
