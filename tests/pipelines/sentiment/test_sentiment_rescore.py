"""score_model (the retrain hook): a registered classifier scored on a run's test texts."""

import mlflow
import pytest

from pipelines.core.errors import RnnkitUserError
from pipelines.core.runner import run_task
from pipelines.sentiment.rescore import score_model


def test_registered_model_scores_what_evaluate_measured(write_csv, labelled_rows,
                                                         sentiment_store):
    path = write_csv(labelled_rows * 3)
    result = run_task("sentiment", "smoke", [
        f"data.source=csv:{path}", "featurize.min_count=1", "model.units=4",
        "model.embedding_dim=8", "train.epochs=1", "evaluate.tfidf_max_features=100"])
    version = sentiment_store.search_model_versions(f"run_id = '{result.run_id}'")[0]
    model = mlflow.pyfunc.load_model(f"models:/rnnkit-sentiment-smoke/{version.version}")
    features = result.stages["featurize"]
    scored = score_model(result.config, result.stages["ingest"], features, model)
    assert set(scored) == {"accuracy", "f1", "roc_auc"}
    for name, value in result.report["model"].items():
        assert scored[name] == pytest.approx(value, abs=1e-9), name

    features.encoder.labels = ["bad", "good"]  # as if this run's data had other classes
    with pytest.raises(RnnkitUserError, match=r"classes \['neg', 'pos'\].*cannot be compared"):
        score_model(result.config, None, features, model)
