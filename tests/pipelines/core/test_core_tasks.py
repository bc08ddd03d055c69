"""The task registry: unknown names, not-yet-written tasks, module-like task objects."""

from __future__ import annotations

import types

import pytest

from pipelines.core import tasks
from pipelines.core.errors import NotAvailableError, UnknownTaskError


def test_planned_tasks_are_registered():
    assert {"forecast", "speech", "sentiment", "translate"} <= set(tasks.task_names())


def test_unknown_task_suggests_a_close_name():
    with pytest.raises(UnknownTaskError) as info:
        tasks.get_task("sentimnt")
    assert "'sentimnt'" in str(info.value) and "Did you mean 'sentiment'" in str(info.value)


def test_task_without_package_is_not_yet_available(monkeypatch):
    monkeypatch.setitem(tasks.TASKS, "later", tasks.TaskInfo("later", "pipelines.later", ""))
    assert not tasks.is_available("later")
    with pytest.raises(NotAvailableError) as info:
        tasks.get_task("later")
    assert "not yet available" in str(info.value) and "pipelines/later/" in str(info.value)
    assert info.value.exit_code == 2


def test_task_module_missing_a_stage_is_reported(monkeypatch):
    broken = types.SimpleNamespace(Config=object, ingest=lambda cfg: None)
    monkeypatch.setitem(tasks.TASKS, "broken", tasks.TaskInfo("broken", broken, ""))
    with pytest.raises(TypeError, match="featurize, train, evaluate"):
        tasks.get_task("broken")


def test_fake_task_loads_config_with_profile(register_fake):
    register_fake()
    task = tasks.get_task("fake")
    assert task.load_config("smoke", ["model.units=3"]).train.epochs == 1
    assert task.hook("register") is not None and task.hook("nothing") is None
