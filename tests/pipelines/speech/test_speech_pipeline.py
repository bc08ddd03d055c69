"""Speech end to end: stages on tiny wavs, and a smoke run on the real FSDD via the runner."""

import json
import tarfile
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from audio_testing import FSDD, FSDD_SMOKE_GROUP
from pipelines.core.serving import task_model
from pipelines.speech.evaluate import evaluate
from pipelines.speech.featurize import featurize
from pipelines.speech.ingest import ingest
from pipelines.speech.serving import SpeechModel
from pipelines.speech.train import train

METRICS = {"accuracy", "f1"}


@pytest.mark.slow
def test_stages_on_tiny_wavs_with_speaker_folds(wav_folder, tiny_cfg):
    cfg = tiny_cfg(f"folder:{wav_folder}", data={"split": "speaker"},
                   featurize={"spec_augment": True, "augment_copies": 1,
                              "test_time_copies": 2},
                   train={"ensemble": 2})
    features = featurize(cfg, ingest(cfg))
    trained = train(cfg, features)
    assert set(trained.folds) == {"ann", "bob", "cy"} == set(trained.first_members)
    report = evaluate(cfg, trained, features)
    assert set(report.model_metrics) == METRICS
    assert set(report.baselines) == {"linear", "majority"}  # not the model's own ablations
    folds = report.artifacts["folds"]
    for ablation in ("one_member", "no_tta"):  # the first member; the clips without copies
        assert report.extra_metrics[f"{ablation}_accuracy"] == pytest.approx(
            np.mean([folds[s][ablation]["accuracy"] for s in ("ann", "bob", "cy")]))
        assert f"| {ablation} | " in report.tables["summary"]
    assert {"fold/ann/model_accuracy", "fold/cy/linear_f1"} <= set(report.extra_metrics)
    assert "| **mean** |" in report.tables["summary"]
    assert set(report.figures) == {"confusion_matrix", "training_curves", "confusion_speaker_ann",
                                   "confusion_speaker_bob", "confusion_speaker_cy"}
    saved = report.artifacts["confusion_by_speaker"]  # a matrix per held-out speaker
    assert set(saved["speakers"]) == {"ann", "bob", "cy"}
    for fold in features.folds:  # each fold's held-out speaker: all its test clips
        assert saved["speakers"][fold.name]["clips"] == len(fold.test)
    table = report.tables["confusion_by_speaker"]
    assert table.to_numpy().sum() == sum(len(f.test) for f in features.folds)
    assert "| speaker | test clips | model acc |" in report.tables["summary"]
    assert {f"speaker/{s}/accuracy" for s in ("ann", "bob", "cy")} <= set(report.extra_metrics)


@pytest.mark.dataset
@pytest.mark.xdist_group(FSDD_SMOKE_GROUP)
def test_smoke_run_on_fsdd_logs_a_model_that_predicts_like_the_cli(tmp_path, fsdd_smoke):
    result, report, speech_store = fsdd_smoke.result, fsdd_smoke.report, fsdd_smoke.client
    assert METRICS <= set(report["model"])
    assert {"majority", "linear"} <= set(report["baselines"])
    assert all(METRICS <= set(m) for m in report["baselines"].values())
    accuracy = report["model"]["accuracy"]
    assert accuracy > report["baselines"]["majority"]["accuracy"] + 0.4, report

    run = speech_store.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics["test/accuracy"] == pytest.approx(accuracy)
    assert run.data.metrics["baseline/majority/test/f1"] == pytest.approx(
        report["baselines"]["majority"]["f1"])
    assert "val/loss" in run.data.metrics
    artifacts = {a.path for a in speech_store.list_artifacts(result.run_id, "figures")}
    assert "figures/confusion_matrix.png" in artifacts
    by_speaker = json.loads(Path(speech_store.download_artifacts(
        result.run_id, "confusion_by_speaker.json", str(tmp_path))).read_text())
    assert len(by_speaker["speakers"]) >= 4  # the test takes of a 500-clip subset
    assert sum(s["clips"] for s in by_speaker["speakers"].values()) == run.data.metrics[
        "test_clips"]
    assert {f"figures/confusion_speaker_{s}.png" for s in by_speaker["speakers"]} <= artifacts
    assert all(f"speaker/{s}/accuracy" in run.data.metrics for s in by_speaker["speakers"])
    tables = {a.path for a in speech_store.list_artifacts(result.run_id, "tables")}
    assert "tables/confusion_by_speaker.csv" in tables
    summary = Path(speech_store.download_artifacts(result.run_id, "summary.md",
                                                   str(tmp_path))).read_text()
    pairs = by_speaker["most_confused"]
    assert 0 < len(pairs) <= 10 and "Most confused pairs" in summary
    assert "| speaker | test clips | model acc |" in summary
    assert f"| {pairs[0]['true']} | {pairs[0]['predicted']} | {pairs[0]['count']} |" in summary
    versions = speech_store.search_model_versions(f"run_id='{result.run_id}'")
    assert [v.name for v in versions] == ["rnnkit-speech-smoke"]

    wavs = []
    with tarfile.open(FSDD) as archive:
        for name in ("recordings/3_theo_0.wav", "recordings/8_lucas_2.wav"):
            wavs.append(tmp_path / Path(name).name)
            wavs[-1].write_bytes(archive.extractfile(name).read())
    uri = f"runs:/{result.run_id}/model"
    model = mlflow.pyfunc.load_model(uri)
    paths = pd.DataFrame({"path": [str(w) for w in wavs]})
    reloaded = [{"input": str(w), **a} for w, a in zip(wavs, model.predict(paths), strict=True)]
    inner = task_model(model)
    direct = SpeechModel.from_objects(inner.model, featurizer=inner.featurizer)
    assert [r["probabilities"] for r in reloaded] == [
        a["probabilities"] for a in direct.predict(None, paths)]
    example = model.predict(model.input_example)
    assert len(example) == 1 and len(example[0]["probabilities"]) == 10

    from typer.testing import CliRunner

    from pipelines.cli import app

    empty_wav = tmp_path / "empty.wav"
    empty_wav.write_bytes(b"")  # one 0-byte file no longer stops the others
    cli = CliRunner().invoke(app, ["predict", "speech", wavs[0].as_posix(), str(empty_wav),
                                   wavs[1].as_posix(), "--json", "--model", uri])
    assert cli.exit_code == 1, cli.output
    assert f"input 2 ({empty_wav})" in cli.stderr and "1 of 3 inputs failed" in cli.stderr
    printed = json.loads(cli.stdout.strip().splitlines()[-1])
    assert printed[1]["input"] == str(empty_wav) and "error" in printed[1]
    printed = [printed[0], printed[2]]
    assert [p["label"] for p in printed] == [r["label"] for r in reloaded]
    for got, want in zip(printed, reloaded, strict=True):
        assert got["input"] == want["input"]
        np.testing.assert_allclose(list(got["probabilities"].values()),
                                   list(want["probabilities"].values()), rtol=1e-5)
    empty = CliRunner().invoke(app, ["predict", "speech", "--model", uri])
    assert empty.exit_code == 1 and "No inputs" in empty.stderr


@pytest.mark.parametrize("profile", ["smoke", "default", "full", "speaker"])
def test_speech_profiles_load(profile):
    from pipelines.core import tasks

    cfg = tasks.get_task("speech").load_config(profile, ["featurize.cepstra=13"])
    assert cfg.featurize.cepstra == 13
    assert cfg.data.split == ("speaker" if profile == "speaker" else "official")
