"""Tasks are found from their packages' TaskSpecs: names, lookups, references, errors."""

from __future__ import annotations

import pytest

from pipelines.core import tasks
from pipelines.core.errors import UnknownTaskError


def test_the_four_tasks_are_found_from_their_packages():
    assert {"forecast", "speech", "sentiment", "translate"} <= set(tasks.task_names())
    spec = tasks.get_task("translate")
    assert (spec.primary_metric, spec.higher_is_better) == ("bleu", True)
    assert tasks.get_task("forecast").higher("mae") is False
    assert spec.config_path.name == "config.yaml" and spec.config_path.parent.name == "translate"


def test_stages_and_hooks_are_imported_when_first_used():
    spec = tasks.get_task("sentiment")
    from pipelines.sentiment.ingest import ingest

    assert spec.stage("ingest") is ingest
    assert spec.hook("score_model").__module__ == "pipelines.sentiment.rescore"
    assert spec.hook("register") is None and spec.hook("nothing") is None


def test_unknown_task_suggests_a_close_name():
    with pytest.raises(UnknownTaskError) as info:
        tasks.get_task("sentimnt")
    assert "'sentimnt'" in str(info.value) and "Did you mean 'sentiment'" in str(info.value)


def test_a_spec_checks_its_metrics_and_stages():
    common = {"name": "x", "summary": "", "config": object, "home": "pipelines"}
    with pytest.raises(TypeError, match="declares no metrics"):
        tasks.TaskSpec(metrics={}, **common)
    with pytest.raises(TypeError, match="primary metric 'bleu'"):
        tasks.TaskSpec(metrics={"mae": False}, primary="bleu", **common)
    with pytest.raises(TypeError, match="unknown stages \\['trian'\\]"):
        tasks.TaskSpec(metrics={"mae": False}, stages={"trian": print}, **common)
    broken = tasks.TaskSpec(metrics={"mae": False}, **common)
    with pytest.raises(TypeError, match="cannot import '.ingest:ingest'"):
        broken.stage("ingest")


def test_an_out_of_tree_package_that_fails_to_import_is_reported(monkeypatch):
    monkeypatch.setenv("RNNKIT_TASKS", "no_such_task_package")
    with pytest.raises(ModuleNotFoundError):
        tasks.get_task("no_such_task_package")
    assert "forecast" in tasks.task_names()  # the others still load


def test_fake_task_loads_config_with_profile(register_fake):
    register_fake()
    task = tasks.get_task("fake")
    assert task.load_config("smoke", ["model.units=3"]).train.epochs == 1
    assert task.hook("register") is not None and task.hook("nothing") is None
