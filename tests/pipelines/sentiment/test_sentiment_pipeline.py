"""End to end: the smoke profile on real IMDB reviews, the logged model, `rnnkit predict`,
and the registered model rescored by the retrain hook."""

import json

import mlflow
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import task_model
from pipelines.sentiment.rescore import score_model
from pipelines.sentiment.serving import SentimentModel
from pipelines.sentiment.text import TextEncoder

METRICS = {"accuracy", "f1", "roc_auc"}
TEXTS = ["One of the best films I have seen: moving, funny and beautifully acted.",
         "A boring, stupid mess. The worst two hours I have ever wasted."]


@pytest.mark.slow
@pytest.mark.dataset
def test_smoke_run_beats_majority_and_predict_matches_the_trained_model(
        imdb_home, sentiment_store, run_keeping_model, monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_DATA_HOME", str(imdb_home))
    result, report, trained, features = run_keeping_model("sentiment")
    assert set(report["model"]) == METRICS
    assert set(report["baselines"]) == {"majority", "tfidf_logreg", "nb_logreg"}
    assert all(set(m) == METRICS for m in report["baselines"].values())
    assert report["model"]["accuracy"] > report["baselines"]["majority"]["accuracy"] + 0.1
    assert report["dataset"] == "imdb"

    run = sentiment_store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    for name in METRICS:
        assert run.data.metrics[f"test/{name}"] == pytest.approx(report["model"][name])
        assert run.data.metrics[f"baseline/tfidf_logreg/test/{name}"] == pytest.approx(
            report["baselines"]["tfidf_logreg"][name])
    assert "val/loss" in run.data.metrics and "throughput/vectorize_texts_per_s" in run.data.metrics
    figures = {a.path for a in sentiment_store.list_artifacts(result.run_id, "figures")}
    assert "figures/confusion_matrix.png" in figures
    assert "| tfidf_logreg |" in result.outputs.tables["summary"]
    # the two paths of the default's shape, each scored alone beside the model
    assert features.encoder.has_bag and trained.model.get_layer("fusion")
    for path in ("deep", "wide"):
        assert 0.5 < run.data.metrics[f"{path}_path_accuracy"] < 1
    assert "| model: recurrent path alone |" in result.outputs.tables["summary"]
    versions = sentiment_store.search_model_versions(f"run_id='{result.run_id}'")
    assert [v.name for v in versions] == ["rnnkit-sentiment-smoke"]

    # the in-process model, the reloaded pyfunc and the CLI agree
    direct = SentimentModel.from_objects(trained.model, text_encoder=features.encoder)
    expected = [{"input": t, **a} for t, a in zip(TEXTS, direct.predict(None, TEXTS),
                                                  strict=True)]
    uri = f"runs:/{result.run_id}/model"
    loaded = mlflow.pyfunc.load_model(uri)
    assert (TextEncoder.to_dict(task_model(loaded).text_encoder)
            == features.encoder.to_dict())
    answers = loaded.predict(loaded.input_example)
    assert set(answers[0]) == {"label", "probabilities"}
    assert set(answers[0]["probabilities"]) == {"negative", "positive"}
    cli = CliRunner()
    out = cli.invoke(app, ["predict", "sentiment", *TEXTS, "--json", "--model", uri])
    assert out.exit_code == 0, out.output
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert [g["label"] for g in got] == [e["label"] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert g["input"] == e["input"]
        assert g["probabilities"] == pytest.approx(e["probabilities"], abs=1e-6)

    # a smoke run is never what `rnnkit predict sentiment` serves by default ...
    served = cli.invoke(app, ["predict", "sentiment", TEXTS[0]])
    assert served.exit_code == 1 and "No model is registered as rnnkit-sentiment" in served.stderr
    # ... but its own registered model is its champion
    smoke = cli.invoke(app, ["predict", "sentiment", TEXTS[0], "--model",
                             "models:/rnnkit-sentiment-smoke@champion"])
    assert smoke.exit_code == 0 and got[0]["label"] in smoke.stdout

    # a batch with bad inputs: the others are answered, each failure named, exit 1
    huge = "great " * 200_000
    batch = cli.invoke(app, ["predict", "sentiment", TEXTS[0], "  ", huge, TEXTS[1],
                             "--json", "--model", uri])
    assert batch.exit_code == 1
    answers = json.loads(batch.stdout)
    assert [a.get("label") for a in answers] == [got[0]["label"], None, None, got[1]["label"]]
    assert "Input 2 is empty" in answers[1]["error"]
    assert "1,200,000 characters long; the limit is 100,000" in answers[2]["error"]
    assert len(answers[2]["input"]) < 300  # a 1.2 MB input is not echoed back whole
    assert "input 3" in batch.stderr and "2 of 4 inputs failed" in batch.stderr

    # an --input-file line that is not UTF-8 is one failed input, named by file and line
    lines = tmp_path / "texts.txt"
    lines.write_bytes(TEXTS[0].encode() + b"\n\xff\xfe broken\n" + TEXTS[1].encode() + b"\n")
    read = cli.invoke(app, ["predict", "sentiment", "--input-file", str(lines), "--json",
                            "--model", uri])
    assert read.exit_code == 1 and "UnicodeDecodeError" not in read.stderr
    answers = json.loads(read.stdout)
    assert [a.get("label") for a in answers] == [got[0]["label"], None, got[1]["label"]]
    assert f"line 2 of {lines} is not UTF-8 text (byte 0xff" in answers[1]["error"]

    # score_model (the retrain hook): the registered model scores what evaluate measured
    model = mlflow.pyfunc.load_model(f"models:/rnnkit-sentiment-smoke/{versions[0].version}")
    scored = score_model(result.config, result.stages["ingest"], features, model)
    assert set(scored) == METRICS
    for name, value in report["model"].items():
        assert scored[name] == pytest.approx(value, abs=1e-9), name
    features.encoder.labels = ["bad", "good"]  # as if this run's data had other classes
    with pytest.raises(RnnkitUserError, match=r"classes \['negative', 'positive'\].*"
                                              "cannot be compared"):
        score_model(result.config, None, features, model)


@pytest.mark.parametrize("profile", ["smoke", "default", "full"])
def test_profiles_load_and_unknown_keys_fail(profile):
    from pipelines.core import tasks
    from pipelines.core.errors import ConfigError

    task = tasks.get_task("sentiment")
    cfg = task.load_config(profile, ["model.pooling=attention"])
    assert cfg.data.source == "imdb" and cfg.model.pooling == "attention"
    with pytest.raises(ConfigError, match="featurize.vocab"):
        task.load_config(profile, ["featurize.vocab=10"])
