"""Test-wide settings: seeds, quiet TensorFlow, quick XLA compiles, no promotion wait."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Promotion waits this long twice to see a concurrent mover (pipelines.core.promotion);
# a test store has none, except in the race test, which sets its own.
os.environ.setdefault("RNNKIT_PROMOTION_SETTLE_S", "0")
# XLA (JAX here and in every child process; TensorFlow where jit_compile=True) compiles
# the way -O0 does: the tests' arrays are tiny, so compiling is most of a JAX test's time
# (about 30% less here); the ops and their numerics are the same. Runs and benches outside
# the tests keep XLA's defaults.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0 "
                                   "--xla_llvm_disable_expensive_passes=true")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(1234)
    yield
