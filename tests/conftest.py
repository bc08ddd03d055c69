"""Test-wide settings: deterministic seeds, quiet TensorFlow."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Promotion waits this long twice to see a concurrent mover (pipelines.core.promotion);
# a test store has none, except in the race test, which sets its own.
os.environ.setdefault("RNNKIT_PROMOTION_SETTLE_S", "0")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield
