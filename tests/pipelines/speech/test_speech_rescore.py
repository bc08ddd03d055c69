"""score_model (the retrain hook): a registered classifier scored on a run's test clips."""

import mlflow
import pytest

from pipelines.core.runner import run_task
from pipelines.speech.rescore import score_model


def test_registered_model_scores_what_evaluate_measured(wav_folder, speech_store):
    result = run_task("speech", "smoke", [
        f"data.source=folder:{wav_folder}", "data.split=speaker", "data.test_speaker=bob",
        "model.units=4", "train.epochs=2", "train.batch_size=8", "train.patience=1"])
    version = speech_store.search_model_versions(f"run_id = '{result.run_id}'")[0]
    model = mlflow.pyfunc.load_model(f"models:/rnnkit-speech-smoke/{version.version}")
    scored = score_model(result.config, result.stages["ingest"], result.stages["featurize"],
                         model)
    assert set(scored) == {"accuracy", "f1"}
    for name, value in result.report["model"].items():
        assert scored[name] == pytest.approx(value, abs=1e-9), name
