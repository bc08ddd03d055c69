"""The study framework: config and smoke overlay, the results folder, the MLflow run, the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.errors import ConfigError
from pipelines.studies import framework, load_params
from pipelines.studies.framework import StudyOutput, markdown_table, render

runner = CliRunner()


def test_every_listed_config_loads_with_its_smoke_overlay():
    names = framework.available()
    assert "gradients" in names
    for name in names:
        _, full = load_params(name)
        _, smoke = load_params(name, smoke=True)
        assert set(smoke) == set(full) and smoke != full


def test_unknown_study_is_a_user_error_naming_the_available_ones():
    result = runner.invoke(app, ["study", "gradient"])
    assert result.exit_code == 1
    message = result.stderr.strip().splitlines()[-1]
    assert "Unknown study 'gradient'" in message and "Did you mean 'gradients'" in message
    assert "Traceback" not in result.stderr


def test_smoke_key_that_is_not_a_param_is_rejected(tmp_path, monkeypatch):
    (tmp_path / "gradients.yaml").write_text(
        "description: x\nparams: {seeds: 3}\nsmoke: {seds: 1}\n", encoding="utf-8")
    monkeypatch.setattr(framework, "STUDIES_DIR", tmp_path)
    with pytest.raises(ConfigError, match=r"smoke keys \['seds'\]"):
        load_params("gradients", smoke=True)


def test_readme_is_stamped_with_command_commit_and_tables():
    import pandas as pd

    table = pd.DataFrame({"cell": ["elman", "lstm"], "mse": [0.5, 0.25]})
    text = render("demo", "A demo.", {"seeds": 2}, True, StudyOutput(tables={"T": table}),
                  61.0, "abc123", "clean")
    assert "`rnnkit study demo --smoke`" in text and "`abc123` (working tree: clean)" in text
    assert "1.0 min" in text and "seeds: 2" in text
    assert markdown_table(table) in text
    assert markdown_table(table).splitlines()[1] == "|---|---:|"


def test_overrides_replace_params_and_reject_unknown_keys():
    _, params = load_params("gradients", smoke=True, overrides=["seeds=1", "steps=[5, 7]"])
    assert params["seeds"] == 1 and params["steps"] == [5, 7]
    with pytest.raises(ConfigError, match="Study override 'sedes=1'.*seeds"):
        load_params("gradients", overrides=["sedes=1"])
    text = render("demo", "A demo.", {"seeds": 1}, False, StudyOutput(), 1.0, "abc", "clean",
                  ["seeds=1", "tasks=[adding, chars]"])
    assert "`rnnkit study demo seeds=1 'tasks=[adding, chars]'`" in text


def test_command_names_the_backend_when_it_is_not_tensorflow(monkeypatch):
    assert framework.command_line("demo", False) == "rnnkit study demo"
    monkeypatch.setattr(framework.tracking, "keras_backend", lambda: "jax")
    assert framework.command_line("demo", True, ["seeds=1"]) == (
        "KERAS_BACKEND=jax rnnkit study demo seeds=1 --smoke")
