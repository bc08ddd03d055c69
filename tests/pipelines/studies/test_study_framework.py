"""The study framework: typed params and profiles, the results folder, the MLflow run, the CLI."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.config import to_dict
from pipelines.core.errors import ConfigError
from pipelines.studies import framework, load_params
from pipelines.studies.framework import StudyOutput, markdown_table, render

runner = CliRunner()


def test_every_study_loads_both_profiles_as_its_typed_params():
    names = framework.available()
    assert names == list(framework.STUDIES)
    for name in names:
        module = framework.study_module(name)
        description, full = load_params(name)
        _, smoke = load_params(name, smoke=True)
        assert type(full) is type(smoke) is module.Params
        assert full == module.Params()  # the defaults live in the model only
        assert smoke != full
        assert description == " ".join(module.DESCRIPTION.split()) and len(description) > 50


def test_study_configs_hold_only_profiles():
    for name in framework.STUDIES:
        data = yaml.safe_load((framework.STUDIES_DIR / f"{name}.yaml").read_text("utf-8"))
        assert set(data) == {"profiles"}, name
        assert set(data["profiles"]) == {"smoke", "default"}, name
        assert data["profiles"]["default"] == {}, name


def test_importing_the_package_is_light():
    code = ("import sys, pipelines.studies as s; "
            "heavy = [m for m in ('mlflow', 'keras', 'pipelines.studies.framework') "
            "if m in sys.modules]; print(heavy); assert not heavy; "
            "from pipelines.studies import run_study, load_params, StudyOutput; "
            "assert 'mlflow' in sys.modules and 'run_study' in dir(s)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_unknown_study_is_a_user_error_naming_the_available_ones():
    result = runner.invoke(app, ["study", "gradient"])
    assert result.exit_code == 1
    message = result.stderr.strip().splitlines()[-1]
    assert "Unknown study 'gradient'" in message and "Did you mean 'gradients'" in message
    assert "Traceback" not in result.stderr


def test_smoke_key_that_is_not_a_param_is_rejected(tmp_path, monkeypatch):
    config = tmp_path / "gradients.yaml"
    config.write_text("profiles: {smoke: {seds: 1}}\n", encoding="utf-8")
    monkeypatch.setattr(framework, "STUDIES_DIR", tmp_path)
    with pytest.raises(ConfigError, match=r"Unknown config key 'seds' \(value 1, from "
                                          r".*gradients.yaml, profile 'smoke'\)\. "
                                          r"Did you mean 'seeds'\?"):
        load_params("gradients", smoke=True)
    config.write_text("description: x\nparams: {seeds: 3}\nsmoke: {seeds: 1}\n")  # old layout
    with pytest.raises(ConfigError, match="Unknown config key 'description'"):
        load_params("gradients")


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
    _, params = load_params("gradients", smoke=True,
                            overrides=["seeds=1", "steps=[5, 7]", "clipping.seeds=2"])
    assert params.seeds == 1 and params.steps == [5, 7]
    assert params.clipping.seeds == 2 and params.clipping.train_steps == 4  # smoke's
    with pytest.raises(ConfigError, match="Unknown config key 'sedes'.*Did you mean 'seeds'"):
        load_params("gradients", overrides=["sedes=1"])
    text = render("demo", "A demo.", {"seeds": 1}, False, StudyOutput(), 1.0, "abc", "clean",
                  ["seeds=1", "tasks=[adding, chars]"])
    assert "`rnnkit study demo seeds=1 'tasks=[adding, chars]'`" in text


@pytest.mark.parametrize(("name", "override", "message"), [
    ("gradients", "seeds=0",
     r"Config key 'seeds' must be an integer >= 1; received 0 \(from override 'seeds=0'\)"),
    ("gradients", "seedz=1",
     r"Unknown config key 'seedz' \(value '1', from override 'seedz=1'\)\. "
     r"Did you mean 'seeds'\? Valid keys of the top level: steps, batch"),
    ("cells_on_tasks", "cells=[nonsense]",
     r"Config key 'cells' must be a list .* one of 'simple', 'elman', .*'stacked'; .*"
     r"received \['nonsense'\] \(from override 'cells=\[nonsense\]'\)"),
    ("cells_on_tasks", "tasks=[forecats]",
     r"Config key 'tasks' must be one of forecast, .*translate; received \['forecats'\] "
     r".*Did you mean 'forecast'\?"),
    ("cells_on_tasks", "overrides={speach: [model.units=8]}",
     r"Config key 'overrides' must be one of forecast, .*Did you mean 'speech'\?"),
    ("gradients", "clipping.cell=nope",
     r"clipping.cell must be the label of one of cells \(Elman, W gain 0.5, .*\); received "
     r"'nope' \(clipping.cell from override 'clipping.cell=nope'; cells from "
     r".*gradients.yaml, profile 'smoke'\)"),
    ("gradients", "cells=[{label: a, cell: elman, gian: 2}]",
     r"item cells\[0\] must be an entry with keys label, cell, gain, kwargs \(unknown key "
     r"'gian', did you mean 'gain'\?\)"),
    ("long_memory", "cells=[{label: a, cell: elmann}]",
     r"item cells\[0\] must be an entry .*\(cell 'elmann': .*did you mean 'elman'\?\)"),
    ("bench", "forecast_source=nonsense",
     r"Config key 'forecast_source' must be one of seattle-weather, msft, beijing"),
    ("depth", "variants=[{label: a, cell: dt}, {label: a, cell: elman}]",
     r"the labels of variants must differ; received 'a' 2 times"),
    ("depth", "chars.learning_rate=nan",
     r"Config key 'chars.learning_rate' must be a finite number > 0; received nan"),
    ("long_memory", "steps=[]", r"Config key 'steps' must be a list of at least 1 items"),
])
def test_bad_override_names_the_key_the_value_and_what_is_allowed(name, override, message):
    with pytest.raises(ConfigError, match=message):
        load_params(name, smoke=True, overrides=[override])


def test_resolved_params_go_to_the_readme_in_full():
    _, params = load_params("long_memory", smoke=True)
    text = render("long_memory", "x", params, True, StudyOutput(), 1.0, "abc", "clean")
    block = text.split("```yaml\n")[1].split("```")[0]
    assert yaml.safe_load(block) == to_dict(params)
    assert "  adding: {train_steps: 2, batch: 4, learning_rate: 0.01}" in block


def test_bad_override_on_the_command_line_is_refused_before_anything_runs():
    result = runner.invoke(app, ["study", "gradients", "seeds=0", "--smoke"])
    assert result.exit_code == 1
    assert "Config key 'seeds' must be an integer >= 1; received 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_command_names_the_backend_when_it_is_not_tensorflow(monkeypatch):
    assert framework.command_line("demo", False) == "rnnkit study demo"
    monkeypatch.setattr(framework.tracking, "keras_backend", lambda: "jax")
    assert framework.command_line("demo", True, ["seeds=1"]) == (
        "KERAS_BACKEND=jax rnnkit study demo seeds=1 --smoke")


@pytest.fixture
def trivial_study(monkeypatch, task_store):
    """`gradients` swapped for a study that returns one table, one plot, one CSV at once;
    its store is a temporary one."""

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    def run(params, say):
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        frame = pd.DataFrame({"a": [1.0]})
        return StudyOutput(tables={"T": frame}, figures={"plot": fig}, data={"raw": frame})

    monkeypatch.setattr(framework.study_module("gradients"), "run", run)
    return task_store("study-gradients")


def logged_files(client, run_id: str) -> set[str]:
    return {a.path for a in client.list_artifacts(run_id, "results")}


def test_out_folder_with_foreign_files_is_refused_and_nothing_uploaded(trivial_study, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "secret.txt").write_text("api key")
    (out / "README.md").write_text("my notes")
    result = runner.invoke(app, ["study", "gradients", "--smoke", "--out", str(out)])
    assert result.exit_code == 1
    assert str(out) in result.stderr and "secret.txt" in result.stderr
    assert (out / "README.md").read_text() == "my notes"  # not overwritten
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "secret.txt"]
    experiment = trivial_study.get_experiment_by_name("rnnkit-study-gradients")
    assert trivial_study.search_runs([experiment.experiment_id]) == []  # nothing ran


def test_the_study_logs_only_what_it_wrote_and_reruns_in_its_own_folder(trivial_study,
                                                                        tmp_path):
    out = tmp_path / "out"
    first = framework.run_study("gradients", smoke=True, out_dir=out)
    assert (out / framework.MARKER).read_text().strip() == "gradients"
    assert logged_files(trivial_study, first.run_id) == {
        "results/README.md", "results/plot.png", "results/raw.csv"}
    (out / "secret.txt").write_text("api key")  # dropped into the study's own folder
    again = framework.run_study("gradients", smoke=True, out_dir=out)  # its own folder
    assert logged_files(trivial_study, again.run_id) == logged_files(trivial_study,
                                                                      first.run_id)
    assert (out / "secret.txt").read_text() == "api key"
    with pytest.raises(ConfigError, match="written by study 'gradients', not 'depth'"):
        framework.check_out_dir("depth", out)


def test_committed_results_folders_are_their_studies_own():
    for name in framework.available():
        folder = framework.RESULTS_DIR / name
        if folder.exists():
            framework.check_out_dir(name, folder)  # raises if not


def test_a_folder_a_study_wrote_before_the_marker_existed_is_accepted(tmp_path):
    """Committed results have no marker: a README stamped by the study, PNGs and CSVs."""
    out = tmp_path / "old"
    out.mkdir()
    (out / "README.md").write_text("# Study `gradients`\n\nresults\n")
    (out / "plot.png").write_bytes(b"png")
    (out / "raw.csv").write_text("a\n1\n")
    framework.check_out_dir("gradients", out)
    with pytest.raises(ConfigError, match="not written by study 'depth'"):
        framework.check_out_dir("depth", out)  # another study's README
    (out / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match=r"it holds notes\.txt"):
        framework.check_out_dir("gradients", out)
