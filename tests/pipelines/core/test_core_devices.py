"""Device placement: choice and errors in-process; two-device training in subprocesses."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from pipelines.core import devices
from pipelines.core.errors import ConfigError

TRAIN = textwrap.dedent("""
    import json, sys
    import keras, numpy as np
    if sys.argv[1] == "two" and keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from pipelines.core import devices
    from rnnkit.layers import Elman
    placement, handle = devices.choose("cpu")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32")
    keras.utils.set_random_seed(0)
    with devices.placed(placement, handle):
        model = keras.Sequential([keras.Input((8, 3)), Elman(4), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        history = model.fit(x, y, batch_size=32, epochs=6, shuffle=False, verbose=0)
    print(json.dumps({**placement.as_dict(), "loss": history.history["loss"]}))
""")


def train(backend, mode):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    flags = [f for f in env.pop("XLA_FLAGS", "").split() if "device_count" not in f]
    if backend == "jax" and mode == "two":
        flags.append("--xla_force_host_platform_device_count=2")
    env["XLA_FLAGS"] = " ".join(flags)
    out = subprocess.run([sys.executable, "-c", TRAIN, mode], env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("backend, strategy", [("tensorflow", "MirroredStrategy"),
                                               ("jax", "DataParallel")])
def test_two_devices_follow_the_single_device_loss_trajectory(backend, strategy):
    one, two = train(backend, "one"), train(backend, "two")
    assert (one["strategy"], one["replicas"]) == ("default", 1)
    assert (two["strategy"], two["replicas"]) == (strategy, 2)
    assert two["loss"][-1] < two["loss"][0]
    np.testing.assert_allclose(two["loss"], one["loss"], rtol=1e-4)


def test_default_placement_and_precision_scope():
    import keras

    placement, handle = devices.choose("auto", "mixed_bfloat16")
    assert placement.replicas == 1 and placement.backend == keras.backend.backend()
    with devices.placed(placement, handle):
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == "float32"
    assert "auto:" in devices.describe()


@pytest.mark.parametrize("device, precision, message", [
    ("quantum", "float32", "Unknown device 'quantum'"),
    ("cpu", "float8", "Unknown precision 'float8'"),
])
def test_bad_choices(device, precision, message):
    with pytest.raises(ConfigError, match=message):
        devices.choose(device, precision)
