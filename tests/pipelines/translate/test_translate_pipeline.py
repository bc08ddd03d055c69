"""End to end: the smoke profile on real Anki pairs, the logged translator, `rnnkit translate`."""

import mlflow
import pandas as pd
import pytest
from typer.testing import CliRunner

import pipelines.translate as translate
from pipelines.cli import app
from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import task_model
from pipelines.translate.translator import Translator

SENTENCES = ["Where is the train station?", "I like cats.", "Tom is here."]


@pytest.mark.slow
@pytest.mark.dataset
def test_smoke_run_beats_copying_and_the_cli_matches_the_trained_model(
        spa_home, translate_store, run_keeping_model, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(spa_home))
    result, report, trained, features = run_keeping_model("translate")
    assert set(report["model"]) == {"bleu", "chrf", "source_leak"}
    copy = report["baselines"]["copy_source"]
    assert report["model"]["bleu"] > copy["bleu"] + 2 and report["model"]["chrf"] > copy["chrf"]
    # subwords spell what they do not know: no English left in the Spanish
    assert report["model"]["source_leak"] <= 3 < 90 < copy["source_leak"]
    # a model stuck at the unigram level (the trap of issue 11) fails here
    entropy = features.stats["target_unigram_entropy"]
    assert trained.history["loss"][-1] < 0.6 * entropy

    run = translate_store.get_run(result.run_id)
    metrics = run.data.metrics
    assert run.info.status == "FINISHED"
    assert metrics["test/bleu"] == pytest.approx(report["model"]["bleu"])
    assert metrics["bleu_greedy"] > copy["bleu"]
    assert metrics["baseline/copy_source/test/chrf"] == pytest.approx(copy["chrf"])
    assert metrics["test/source_leak"] == pytest.approx(report["model"]["source_leak"])
    assert "source_leak_greedy" in metrics
    assert features.codec.FORMAT == "rnnkit-translate-subword-codec/1"
    figures = {a.path for a in translate_store.list_artifacts(result.run_id, "figures")}
    assert {"figures/attention_1.png", "figures/attention_2.png"} <= figures
    assert "| copy_source |" in result.outputs.tables["summary"]
    assert "source leak (% lines)" in result.outputs.tables["summary"]
    versions = translate_store.search_model_versions(f"run_id='{result.run_id}'")
    assert [v.name for v in versions] == ["rnnkit-translate-smoke"]

    # the in-process translator, the reloaded pyfunc and the CLI give the same strings
    expected = Translator(trained.model, features.codec).translate(SENTENCES, beam=2)
    uri = f"runs:/{result.run_id}/model"
    loaded = mlflow.pyfunc.load_model(uri)
    answers = loaded.predict(pd.DataFrame({"text": SENTENCES}), params={"beam": 2})
    assert [a["translation"] for a in answers] == expected
    assert task_model(loaded).codec.to_dict() == features.codec.to_dict()
    cli = CliRunner()
    out = cli.invoke(app, ["translate", *SENTENCES, "--beam", "2", "--model", uri])
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == expected

    lines = tmp_path / "sentences.txt"
    lines.write_text(f"{SENTENCES[0]}\n\n{SENTENCES[1]}\n", encoding="utf-8")
    smoke = ["--model", "models:/rnnkit-translate-smoke@champion"]  # the registered model
    out = cli.invoke(app, ["translate", "--input-file", str(lines), *smoke])
    assert out.exit_code == 0, out.output
    greedy = Translator(trained.model, features.codec).translate(SENTENCES[:2])
    assert out.stdout.splitlines() == [greedy[0], "", greedy[1]]
    assert "rnnkit: warning: Input 2 is empty" in out.stderr
    assert "serving models:/rnnkit-translate-smoke@champion" in out.stderr

    # a line that is not UTF-8 gives an empty line and an error; the others are translated
    lines.write_bytes(SENTENCES[0].encode() + b"\n\xe9t\xe9\n" + SENTENCES[1].encode())
    out = cli.invoke(app, ["translate", "--input-file", str(lines), *smoke])
    assert out.exit_code == 1
    assert out.stdout.splitlines() == [greedy[0], "", greedy[1]]
    assert f"line 2 of {lines} is not UTF-8 text (byte 0xe9" in out.stderr


def test_translate_command_errors(translate_store):
    with pytest.raises(RnnkitUserError, match="--beam must be at least 1"):
        translate.serving.translate_texts(["Hi."], "models:/none/1", beam=0)
    out = CliRunner().invoke(app, ["translate", "Hello."])  # an empty store: no model yet
    assert out.exit_code == 1 and "rnnkit run translate" in out.stderr
    assert "Traceback" not in out.stderr
    out = CliRunner().invoke(app, ["translate"])
    assert out.exit_code == 1 and "No sentences" in out.stderr


@pytest.mark.parametrize("profile", ["smoke", "default", "full"])
def test_profiles_load_and_unknown_keys_fail(profile):
    from pipelines.core import tasks
    from pipelines.core.errors import ConfigError

    task = tasks.get_task("translate")
    cfg = task.load_config(profile, ["data.direction=es-en"])
    assert cfg.data.source == "anki_spa_eng" and cfg.data.direction == "es-en"
    with pytest.raises(ConfigError, match="model.units"):
        task.load_config(profile, ["model.units=10"])
