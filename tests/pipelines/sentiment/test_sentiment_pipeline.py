"""End to end: the smoke profile on real IMDB reviews, the logged model, `rnnkit predict`."""

import json

import mlflow
import pytest
from typer.testing import CliRunner

import pipelines.sentiment as sentiment
from pipelines.cli import app
from pipelines.core.errors import RnnkitUserError
from pipelines.sentiment.serving import as_records, classify
from pipelines.sentiment.text import TextEncoder

METRICS = {"accuracy", "f1", "roc_auc"}
TEXTS = ["One of the best films I have seen: moving, funny and beautifully acted.",
         "A boring, stupid mess. The worst two hours I have ever wasted."]


@pytest.mark.dataset
def test_smoke_run_beats_majority_and_predict_matches_the_trained_model(
        imdb_home, sentiment_store, run_keeping_model, monkeypatch):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(imdb_home))
    result, report, trained, features = run_keeping_model("sentiment")
    assert set(report["model"]) == METRICS
    assert set(report["baselines"]) == {"majority", "tfidf_logreg"}
    assert all(set(m) == METRICS for m in report["baselines"].values())
    assert report["model"]["accuracy"] > report["baselines"]["majority"]["accuracy"] + 0.1
    assert report["dataset"] == "imdb"

    run = sentiment_store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    for name in METRICS:
        assert run.data.metrics[f"test_{name}"] == pytest.approx(report["model"][name])
        assert run.data.metrics[f"baseline_tfidf_logreg_{name}"] == pytest.approx(
            report["baselines"]["tfidf_logreg"][name])
    assert "val_loss" in run.data.metrics and "throughput/vectorize_texts_per_s" in run.data.metrics
    figures = {a.path for a in sentiment_store.list_artifacts(result.run_id, "figures")}
    assert "figures/confusion_matrix.png" in figures
    assert "| tfidf_logreg |" in result.outputs.tables["summary"]
    versions = sentiment_store.search_model_versions(f"run_id='{result.run_id}'")
    assert [v.name for v in versions] == ["rnnkit-sentiment"]

    # the in-process model, the reloaded pyfunc and the CLI agree
    expected = as_records(TEXTS, classify(trained.model, features.encoder, TEXTS),
                          features.labels)
    uri = f"runs:/{result.run_id}/model"
    loaded = mlflow.pyfunc.load_model(uri)
    assert TextEncoder.to_dict(loaded.unwrap_python_model().encoder) == features.encoder.to_dict()
    frame = loaded.predict(loaded.input_example)
    assert list(frame.columns) == ["label", "probability_negative", "probability_positive"]
    cli = CliRunner()
    out = cli.invoke(app, ["predict", "sentiment", *TEXTS, "--json", "--model", uri])
    assert out.exit_code == 0, out.output
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert [g["label"] for g in got] == [e["label"] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g["input"] == e["input"]
        assert g["probabilities"] == pytest.approx(e["probabilities"], abs=1e-6)

    latest = cli.invoke(app, ["predict", "sentiment", TEXTS[0]])  # default: latest version
    assert latest.exit_code == 0 and got[0]["label"] in latest.stdout


def test_empty_predict_input_is_a_user_error(sentiment_store):
    with pytest.raises(RnnkitUserError, match="Input 2 is empty"):
        sentiment.predict(["fine", "  "], "models:/none/1")
    out = CliRunner().invoke(app, ["predict", "sentiment", "good film", ""])
    assert out.exit_code == 1 and "Input 2 is empty" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("profile", ["smoke", "default", "full"])
def test_profiles_load_and_unknown_keys_fail(profile):
    from pipelines.core import tasks
    from pipelines.core.errors import ConfigError

    task = tasks.get_task("sentiment")
    cfg = task.load_config(profile, ["model.pooling=attention"])
    assert cfg.data.source == "imdb" and cfg.model.pooling == "attention"
    with pytest.raises(ConfigError, match="featurize.vocab"):
        task.load_config(profile, ["featurize.vocab=10"])
