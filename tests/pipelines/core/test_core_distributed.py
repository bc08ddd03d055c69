"""The process group read from the JAX_* variables, each process's rows of a batch, and
the worker command line of `rnnkit run --processes`."""

import numpy as np
import pytest

from pipelines.core import distributed, launcher
from pipelines.core.errors import RnnkitUserError


def test_the_group_comes_from_the_variables_jax_documents():
    env = {"JAX_COORDINATOR_ADDRESS": "10.0.0.1:7777", "JAX_NUM_PROCESSES": "4",
           "JAX_PROCESS_ID": "3"}
    assert distributed.from_environment(env) == distributed.Cluster("10.0.0.1:7777", 4, 3)
    assert distributed.from_environment({}) is None


@pytest.mark.parametrize("env, message", [
    ({"JAX_NUM_PROCESSES": "2"}, "JAX_PROCESS_ID must be an integer, got ''"),
    ({"JAX_NUM_PROCESSES": "2", "JAX_PROCESS_ID": "2"}, "must be between 0 and 1"),
    ({"JAX_NUM_PROCESSES": "two", "JAX_PROCESS_ID": "0"}, "JAX_NUM_PROCESSES must be an"),
])
def test_an_incomplete_group_is_a_clear_error(env, message):
    with pytest.raises(RnnkitUserError, match=message):
        distributed.from_environment({"JAX_COORDINATOR_ADDRESS": "h:1", **env})


def test_each_process_reads_its_own_equal_slice_of_a_batch():
    rows = np.arange(10, 17)  # 7 rows over 3 processes: 2 each, the 7th left out
    slices = [distributed.local_rows(rows, (i, 3)) for i in range(3)]
    assert [s.tolist() for s in slices] == [[10, 11], [12, 13], [14, 15]]
    assert distributed.local_rows(rows, (0, 1)) is rows
    with pytest.raises(RnnkitUserError, match="A batch of 2 rows cannot be split over 3"):
        distributed.local_rows(rows[:2], (0, 3))


def test_outside_a_distribution_a_dataset_reads_every_row():
    assert distributed.current_shard() == (0, 1)
    assert distributed.process_count() == 1 and distributed.is_chief()


def test_workers_get_the_command_line_without_processes():
    argv = ["--debug", "run", "forecast", "--processes", "2", "train.epochs=3",
            "--processes=4", "--report", "r.json"]
    assert launcher.worker_arguments(argv) == ["--debug", "run", "forecast",
                                               "train.epochs=3", "--report", "r.json"]
    assert launcher.describe_exit(3) == "exited with status 3"
    assert launcher.describe_exit(-9) == "was killed by SIGKILL"


def test_processes_refuse_another_backend_and_an_existing_group(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    with pytest.raises(RnnkitUserError, match="KERAS_BACKEND=tensorflow"):
        launcher.check_environment(2)
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    for name, value in [("JAX_COORDINATOR_ADDRESS", "127.0.0.1:1234"),
                        ("JAX_NUM_PROCESSES", "2"), ("JAX_PROCESS_ID", "0")]:
        monkeypatch.setenv(name, value)
    with pytest.raises(RnnkitUserError, match="without --processes on each"):
        launcher.check_environment(2)
