"""score_model: any registered speech classifier, scored on this run's test clips.

`rnnkit retrain` calls it for the challenger and for the champion on the test clips of
the fold whose model is registered (`serving.registered_fold`): each model reads the
raw audio through its OWN featurizer (as in serving); the labels are this run's, so the
metrics are those of `evaluate` for that fold (`accuracy f1`).
"""

from __future__ import annotations

import pandas as pd

from pipelines.core.serving import answers_or_raise, probabilities_of
from pipelines.speech.evaluate import probability_scores
from pipelines.speech.featurize import SpeechFeatures
from pipelines.speech.serving import registered_fold


def score_model(cfg, raw, features: SpeechFeatures, model) -> dict[str, float]:
    """`accuracy f1` of `model` (a loaded `rnnkit-speech` pyfunc) on the test clips."""
    name = registered_fold(cfg, features)
    fold = next(f for f in features.folds if f.name == name)
    frame = pd.DataFrame({"audio": [raw.clips[i].audio.astype("float64") for i in fold.test],
                          "sample_rate": raw.sample_rate})
    answers = answers_or_raise(model.predict(frame), "test clip")
    return probability_scores(features.y[fold.test], probabilities_of(answers, features.labels))
