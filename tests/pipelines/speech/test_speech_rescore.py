"""score_model (the retrain hook): a registered classifier scored on a run's test clips."""

import mlflow
import pytest

from audio_testing import FSDD_SMOKE_GROUP
from pipelines.speech.rescore import score_model


@pytest.mark.dataset
@pytest.mark.xdist_group(FSDD_SMOKE_GROUP)
def test_registered_model_scores_what_evaluate_measured(fsdd_smoke):
    result = fsdd_smoke.result
    version = fsdd_smoke.client.search_model_versions(f"run_id = '{result.run_id}'")[0]
    model = mlflow.pyfunc.load_model(f"models:/rnnkit-speech-smoke/{version.version}")
    scored = score_model(result.config, result.stages["ingest"], result.stages["featurize"],
                         model)
    assert set(scored) == {"accuracy", "f1"}
    for name, value in result.report["model"].items():
        assert scored[name] == pytest.approx(value, abs=1e-9), name
