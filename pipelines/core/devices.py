"""Where training runs: devices, distribution strategy and precision, per Keras backend.

On TensorFlow: `TPUStrategy` when a TPU is reachable, `MultiWorkerMirroredStrategy`
when `TF_CONFIG` names a cluster, `MirroredStrategy` over several GPUs (or several
logical CPUs), the default strategy otherwise. On JAX:
`keras.distribution.DataParallel` over the local devices when there are several
(after `jax.distributed.initialize()` when JAX's multi-process environment is set).
TensorFlow is imported only on the TensorFlow backend.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field

import keras

from pipelines.core.errors import ConfigError, RnnkitUserError

DEVICES = ("auto", "cpu", "gpu", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")


@dataclass
class Placement:
    """What `choose` decided; logged with the run and written in the report."""

    backend: str
    device: str
    strategy: str
    replicas: int
    devices: list[str] = field(default_factory=list)
    precision: str = "float32"

    def as_dict(self) -> dict:
        return asdict(self)


def _tf_devices(kind: str) -> list[str]:
    import tensorflow as tf

    return [d.name for d in tf.config.list_logical_devices(kind.upper())]


def _tpu_resolver():
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        return resolver
    except (ValueError, RuntimeError, tf.errors.NotFoundError):
        return None


def _tf_cluster() -> bool:
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}").get("cluster", {})
    return sum(len(v) for v in cluster.values()) > 1


TPU_ENVIRONMENT = ("TPU_NAME", "COLAB_TPU_ADDR", "KUBE_GOOGLE_CLOUD_TPU_ENDPOINTS")


def _tensorflow(device: str):
    import tensorflow as tf

    # Look for a TPU only where one is announced: the resolver otherwise asks a
    # cloud metadata server over the network.
    if device == "tpu" or (device == "auto" and any(map(os.environ.get, TPU_ENVIRONMENT))):
        resolver = _tpu_resolver()
        if resolver is not None:
            strategy = tf.distribute.TPUStrategy(resolver)
            return strategy, "TPUStrategy", _tf_devices("tpu")
        if device == "tpu":
            raise RnnkitUserError("--device tpu: no TPU is reachable from this machine.")
    if _tf_cluster():
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        return strategy, "MultiWorkerMirroredStrategy", _tf_devices("gpu") or _tf_devices("cpu")
    gpus = _tf_devices("gpu")
    if device == "gpu" and not gpus:
        raise RnnkitUserError("--device gpu: TensorFlow sees no GPU on this machine.")
    chosen = gpus if device in ("auto", "gpu") and gpus else _tf_devices("cpu")
    if len(chosen) > 1:
        return tf.distribute.MirroredStrategy(chosen), "MirroredStrategy", chosen
    return tf.distribute.get_strategy(), "default", chosen


def _jax(device: str):
    import jax

    if os.environ.get("JAX_COORDINATOR_ADDRESS") and not jax.distributed.is_initialized():
        jax.distributed.initialize()
    platform = {"auto": None, "cpu": "cpu", "gpu": "gpu", "tpu": "tpu"}[device]
    try:
        chosen = jax.devices(platform) if platform else jax.devices()
    except RuntimeError as exc:
        raise RnnkitUserError(f"--device {device}: JAX sees no such device ({exc}).") from exc
    names = [f"{d.platform}:{d.id}" for d in chosen]
    if len(chosen) > 1:
        return keras.distribution.DataParallel(devices=names), "DataParallel", names
    return None, "default", names


def choose(device: str = "auto", precision: str = "float32"):
    """Pick the strategy for `device`; returns `(placement, strategy_or_distribution)`."""
    if device not in DEVICES:
        raise ConfigError(f"Unknown device {device!r}; expected one of {', '.join(DEVICES)}.")
    if precision not in PRECISIONS:
        raise ConfigError(
            f"Unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}."
        )
    backend = keras.backend.backend()
    if backend == "tensorflow":
        handle, name, names = _tensorflow(device)
        replicas = handle.num_replicas_in_sync
    elif backend == "jax":
        handle, name, names = _jax(device)
        replicas = len(names) if handle is not None else 1
    else:
        handle, name, names, replicas = None, "default", [backend], 1
    return Placement(backend, device, name, replicas, names, precision), handle


@contextlib.contextmanager
def placed(placement: Placement, handle):
    """Run the enclosed block (model building and training) on the chosen devices."""
    policy = keras.config.dtype_policy()
    keras.config.set_dtype_policy(placement.precision)
    try:
        if placement.backend == "tensorflow" and handle is not None:
            with handle.scope():
                yield
        elif placement.backend == "jax" and handle is not None:
            previous = keras.distribution.distribution()
            keras.distribution.set_distribution(handle)
            try:
                yield
            finally:
                keras.distribution.set_distribution(previous)
        else:
            yield
    finally:
        keras.config.set_dtype_policy(policy)


def describe() -> str:
    """`rnnkit devices`: the backend, what it sees, and what `auto` would pick."""
    placement, _ = choose("auto")
    lines = [f"backend:  {placement.backend} (set KERAS_BACKEND to change)",
             f"devices:  {', '.join(placement.devices) or '-'}",
             f"auto:     {placement.strategy} over {placement.replicas} replica(s)"]
    return "\n".join(lines)
