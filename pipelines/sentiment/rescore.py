"""score_model: any registered sentiment classifier, scored on this run's test texts.

`rnnkit retrain` calls it for the challenger and for the champion: each model reads the
raw test texts through its OWN text encoder (as in serving); the labels are this run's,
so the metrics are those of `evaluate` (`accuracy f1`, + `roc_auc` for two classes).
"""

from __future__ import annotations

import pandas as pd

from pipelines.core.serving import answers_or_raise, probabilities_of
from pipelines.sentiment.baselines import classification_metrics
from pipelines.sentiment.featurize import SentimentFeatures
from pipelines.sentiment.serving import TEXT_COLUMN


def score_model(cfg, raw, features: SentimentFeatures, model) -> dict[str, float]:
    """Metrics of `model` (a loaded `rnnkit-sentiment` pyfunc) on the test split."""
    test = features.splits["test"]
    answers = answers_or_raise(model.predict(pd.DataFrame({TEXT_COLUMN: test.texts})),
                               "test text")
    return classification_metrics(test.labels, probabilities_of(answers, features.labels))
