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


@pytest.fixture
def trivial_study(monkeypatch, task_store):
    """`gradients` swapped for a study that returns one table, one plot, one CSV at once;
    its store is a temporary one."""
    import types

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    def run(params, say):
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        frame = pd.DataFrame({"a": [1.0]})
        return StudyOutput(tables={"T": frame}, figures={"plot": fig}, data={"raw": frame})

    real = framework.importlib.import_module
    monkeypatch.setattr(framework.importlib, "import_module", lambda name: (
        types.SimpleNamespace(run=run) if name == "pipelines.studies.gradients" else real(name)))
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
