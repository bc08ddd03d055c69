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


def pytest_collection_modifyitems(config, items):
    """Modules holding a test marked ``slow`` run first (whole modules, so that module
    fixtures are set up once): xdist's workers then end on short tests and finish
    together, instead of one waiting on a long test picked up last."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)  # stable
