"""score_model: any registered sentiment classifier, scored on this run's test texts.

`rnnkit retrain` calls it for the challenger and for the champion: each model reads the
raw test texts through its OWN text encoder (as in serving); the labels are this run's,
so the metrics are those of `evaluate` (`accuracy f1`, + `roc_auc` for two classes).
"""

from __future__ import annotations

import pandas as pd

from pipelines.core.errors import RnnkitUserError
from pipelines.sentiment.baselines import classification_metrics
from pipelines.sentiment.featurize import SentimentFeatures
from pipelines.sentiment.serving import TEXT_COLUMN


def score_model(cfg, raw, features: SentimentFeatures, model) -> dict[str, float]:
    """Metrics of `model` (a loaded `rnnkit-sentiment` pyfunc) on the test split."""
    test = features.splits["test"]
    frame = model.predict(pd.DataFrame({TEXT_COLUMN: test.texts}))
    theirs = sorted(c.removeprefix("probability_") for c in frame.columns if c != "label")
    if theirs != sorted(features.labels):
        raise RnnkitUserError(
            f"The model predicts the classes {theirs}, this run's data has "
            f"{sorted(features.labels)}: they cannot be compared."
        )
    probs = frame[[f"probability_{name}" for name in features.labels]].to_numpy("float64")
    return classification_metrics(test.labels, probs)
