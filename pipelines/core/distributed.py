"""The processes of one run: who they are, how they meet, which rows each one reads.

A run on several processes (``rnnkit run TASK --processes N`` on one machine, or the
same command on several machines) is one ``jax.distributed`` process group. Each
process finds its place in the variables JAX documents:

- ``JAX_COORDINATOR_ADDRESS``: ``host:port`` of process 0, where the coordinator listens;
- ``JAX_NUM_PROCESSES``: how many processes take part;
- ``JAX_PROCESS_ID``: this process's id, ``0`` to ``N - 1``; ``0`` is the *chief*, the
  only one that talks to MLflow and writes files.

Training runs under ``keras.distribution.DataParallel`` over every process's devices.
Keras does not split a ``PyDataset`` between processes: each process reads its own
slice of every global batch (``local_rows``), and Keras assembles the global batch from
the slices (``jax.make_array_from_process_local_data``). So every process plans the
same global batches (same seed, same order) and takes rows ``[i * b/N, (i + 1) * b/N)``
of each, where ``b`` is the global batch: the gradient is the single-process one.

After training, ``localize`` brings the (replicated) weights back onto this process's
own device, so the chief evaluates and saves the model alone.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from pipelines.core.errors import RnnkitUserError

COORDINATOR, NUM_PROCESSES, PROCESS_ID = (
    "JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")
# Seconds a process waits for the others to join, and without a heartbeat from one
# before the group is declared broken.
TIMEOUT_ENV = "RNNKIT_DISTRIBUTED_TIMEOUT_S"
DEFAULT_TIMEOUT_S = 120


@dataclass(frozen=True)
class Cluster:
    """Where this process sits in the group."""

    coordinator: str
    processes: int
    process_id: int


def from_environment(env: Mapping[str, str] | None = None) -> Cluster | None:
    """The group named by the ``JAX_*`` variables, or None when there is none."""
    env = os.environ if env is None else env
    address = env.get(COORDINATOR, "").strip()
    if not address:
        return None
    processes = _int_variable(env, NUM_PROCESSES)
    process_id = _int_variable(env, PROCESS_ID)
    if processes < 1 or not 0 <= process_id < processes:
        raise RnnkitUserError(
            f"{PROCESS_ID}={process_id} with {NUM_PROCESSES}={processes}: the id must be "
            f"between 0 and {max(processes - 1, 0)}.")
    if ":" not in address:
        raise RnnkitUserError(
            f"{COORDINATOR}={address!r}: expected host:port of process 0's coordinator, "
            "e.g. 10.0.0.1:7777.")
    return Cluster(address, processes, process_id)


def _int_variable(env: Mapping[str, str], name: str) -> int:
    value = env.get(name, "").strip()
    try:
        return int(value)
    except ValueError:
        raise RnnkitUserError(
            f"{COORDINATOR} is set, so {name} must be an integer, got {value!r}: every "
            f"process needs {COORDINATOR}, {NUM_PROCESSES} and {PROCESS_ID}."
        ) from None


def timeout_s() -> int:
    """``$RNNKIT_DISTRIBUTED_TIMEOUT_S`` (default 120): join and heartbeat timeout."""
    return int(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT_S))


def initialize(cluster: Cluster) -> None:
    """Join the JAX process group (once per process)."""
    import jax

    if jax.distributed.is_initialized():
        return
    _keep_stdout_for_results()
    jax.distributed.initialize(
        coordinator_address=cluster.coordinator, num_processes=cluster.processes,
        process_id=cluster.process_id, initialization_timeout=timeout_s(),
        heartbeat_timeout_seconds=timeout_s(),
        # the others wait at exit while the chief evaluates and logs (minutes)
        shutdown_timeout_seconds=max(timeout_s(), 3600),
    )


def _keep_stdout_for_results() -> None:
    """Send what native code prints on file descriptor 1 (Gloo's "[Gloo] Rank 0 is
    connected ...") to stderr, while Python's ``sys.stdout`` keeps the real stdout:
    the command's stdout carries results only (DESIGN.md, the rnnkit command)."""
    try:
        sys.stdout.flush()
        results = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError):  # no real file descriptors (an embedding host)
        return
    sys.stdout = io.TextIOWrapper(os.fdopen(results, "wb"),
                                  encoding=sys.stdout.encoding or "utf-8",
                                  line_buffering=True, write_through=True)


def _jax_group():
    """``jax`` when this process belongs to an initialized process group, else None."""
    if "jax" not in sys.modules:
        return None
    import jax

    return jax if jax.distributed.is_initialized() else None


def process_index() -> int:
    """This process's id in the group (0 without one)."""
    jax = _jax_group()
    return jax.process_index() if jax is not None else 0


def process_count() -> int:
    """How many processes the group has (1 without one)."""
    jax = _jax_group()
    return jax.process_count() if jax is not None else 1


def is_chief() -> bool:
    """True on process 0, the one that talks to MLflow and writes files."""
    return process_index() == 0


def barrier(name: str) -> None:
    """Wait until every process of the group reaches ``barrier(name)`` (no-op without a
    group). The run uses it once: the workers start ingesting only after the chief's
    MLflow run exists, so a worker that fails early still fails a run that is there."""
    jax = _jax_group()
    if jax is None or jax.process_count() == 1:
        return
    from jax._src import distributed as jax_distributed

    jax_distributed.global_state.client.wait_at_barrier(name, timeout_s() * 1000)


def current_shard() -> tuple[int, int]:
    """``(process id, processes)`` while a multi-process ``keras.distribution`` is set,
    ``(0, 1)`` otherwise: a dataset made under it reads only its process's rows."""
    import keras

    if keras.backend.backend() != "jax" or keras.distribution.distribution() is None:
        return 0, 1
    return process_index(), process_count()


def local_rows(rows: np.ndarray, shard: tuple[int, int]) -> np.ndarray:
    """This process's slice of a global batch's ``rows``: ``len(rows) // N`` rows each.

    The last ``len(rows) % N`` rows of a batch (a short last batch) are left out, so that
    every process feeds the same number of rows; a batch of fewer than ``N`` rows is an
    error, as it would leave a process with nothing.
    """
    index, count = shard
    if count == 1:
        return rows
    each = len(rows) // count
    if each == 0:
        raise RnnkitUserError(
            f"A batch of {len(rows)} rows cannot be split over {count} processes: "
            "use a larger train.batch_size or fewer processes.")
    return rows[index * each:(index + 1) * each]


def localize(value: Any) -> Any:
    """Move the weights of every Keras model in ``value`` (a stage's output: a dataclass,
    dict, list, or model) from the process group's devices to this process's device.

    Data-parallel weights are replicated, so each process holds the whole value; after
    this the chief can predict and save without the others. Optimizer and metric
    variables come along (a saved model keeps its optimizer state).
    """
    import keras

    seen: set[int] = set()
    for model in _models(value, keras.Model, seen=set()):
        optimizer = getattr(model, "optimizer", None)
        variables = list(model.variables) + list(getattr(optimizer, "variables", []) or [])
        for variable in variables:
            if id(variable) in seen or getattr(variable, "_layout", None) is None:
                continue
            seen.add(id(variable))
            local = np.asarray(variable.value)
            variable._layout = None  # Keras re-distributes on assign while one is set
            variable.assign(local)
    return value


def _models(value: Any, kind: type, seen: set[int]):
    """The ``kind`` instances found walking dataclass fields, mappings and sequences."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, kind):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            yield from _models(getattr(value, f.name), kind, seen)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _models(item, kind, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _models(item, kind, seen)
