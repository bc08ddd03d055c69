"""Where training runs: devices, distribution strategy and precision, per Keras backend.

On TensorFlow: `TPUStrategy` when a TPU is reachable, `MirroredStrategy` over several
GPUs (or several logical CPUs), the default strategy otherwise. On JAX:
`keras.distribution.DataParallel` over the devices of every process when there are
several (after joining the process group `pipelines.core.distributed` reads from the
`JAX_*` variables).

Training on several processes or machines runs on JAX only. A `TF_CONFIG` cluster is
refused: Keras 3 cannot train under `tf.distribute.MultiWorkerMirroredStrategy`
(keras-team/keras#20585; with Keras 3.15.1 and TensorFlow 2.21 two workers on
127.0.0.1 fail in their first step, "Attempt to convert a value (PerReplica...) with
an unsupported type", tests/pipelines/test_processes.py keeps watching).
TensorFlow is imported only on the TensorFlow backend.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field

import keras

from pipelines.core import distributed
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
    processes: int = 1

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


TF_CONFIG_REFUSED = (
    "TF_CONFIG names a cluster of {workers} TensorFlow workers, but Keras 3 cannot train "
    "under tf.distribute.MultiWorkerMirroredStrategy (its first step fails with "
    "'Attempt to convert a value (PerReplica...)', keras-team/keras#20585), so rnnkit "
    "does not start a run that cannot work. Train on several processes with JAX "
    "instead: 'KERAS_BACKEND=jax rnnkit run TASK --processes N' on one machine, or on "
    "each machine the same command without --processes and with JAX_COORDINATOR_ADDRESS, "
    "JAX_NUM_PROCESSES and JAX_PROCESS_ID set (README, 'Training on several processes'). "
    "Unset TF_CONFIG to train on this machine alone."
)


def _refuse_tf_cluster() -> None:
    """Stop before a run when `TF_CONFIG` or the `JAX_*` variables ask TensorFlow for a
    multi-worker run (see the module docstring)."""
    if _tf_cluster():
        cluster = json.loads(os.environ["TF_CONFIG"])["cluster"]
        raise RnnkitUserError(
            TF_CONFIG_REFUSED.format(workers=sum(len(v) for v in cluster.values())))
    if distributed.from_environment() is not None:
        raise RnnkitUserError(
            f"{distributed.COORDINATOR} is set, but the Keras backend is TensorFlow: "
            "training on several processes runs on JAX. Set KERAS_BACKEND=jax.")


def _tensorflow(device: str):
    import tensorflow as tf

    _refuse_tf_cluster()

    # Look for a TPU only where one is announced: the resolver otherwise asks a
    # cloud metadata server over the network.
    if device == "tpu" or (device == "auto" and any(map(os.environ.get, TPU_ENVIRONMENT))):
        resolver = _tpu_resolver()
        if resolver is not None:
            strategy = tf.distribute.TPUStrategy(resolver)
            return strategy, "TPUStrategy", _tf_devices("tpu")
        if device == "tpu":
            raise RnnkitUserError("--device tpu: no TPU is reachable from this machine.")
    gpus = _tf_devices("gpu")
    if device == "gpu" and not gpus:
        raise RnnkitUserError("--device gpu: TensorFlow sees no GPU on this machine.")
    chosen = gpus if device in ("auto", "gpu") and gpus else _tf_devices("cpu")
    if len(chosen) > 1:
        return tf.distribute.MirroredStrategy(chosen), "MirroredStrategy", chosen
    return tf.distribute.get_strategy(), "default", chosen


def _jax(device: str):
    import jax

    cluster = distributed.from_environment()
    if cluster is not None:
        distributed.initialize(cluster)
    platform = {"auto": None, "cpu": "cpu", "gpu": "gpu", "tpu": "tpu"}[device]
    try:
        chosen = jax.devices(platform) if platform else jax.devices()
    except RuntimeError as exc:
        raise RnnkitUserError(f"--device {device}: JAX sees no such device ({exc}).") from exc
    names = [f"{d.platform}:{d.id}" for d in chosen]
    if jax.process_count() > 1:  # every process feeds its own rows (distributed.py)
        handle = keras.distribution.DataParallel(devices=names, auto_shard_dataset=False)
        return handle, "DataParallel", names
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
    placement = Placement(backend, device, name, replicas, names, precision,
                          distributed.process_count())
    return placement, handle


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
             f"auto:     {placement.strategy} over {placement.replicas} replica(s)"
             + (f" in {placement.processes} processes" if placement.processes > 1 else "")]
    return "\n".join(lines)
