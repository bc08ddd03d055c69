"""score_model: any registered speech classifier, scored on this run's test clips.

`rnnkit retrain` calls it for the challenger and for the champion on the test clips of
the fold whose model is registered (`serving.registered_fold`): each model reads the
raw audio through its OWN featurizer (as in serving); the labels are this run's, so the
metrics are those of `evaluate` for that fold (`accuracy f1`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.core.errors import RnnkitUserError
from pipelines.speech.evaluate import scores
from pipelines.speech.featurize import SpeechFeatures
from pipelines.speech.serving import PROB, registered_fold


def score_model(cfg, raw, features: SpeechFeatures, model) -> dict[str, float]:
    """`accuracy f1` of `model` (a loaded `rnnkit-speech` pyfunc) on the test clips."""
    name = registered_fold(cfg, features)
    fold = next(f for f in features.folds if f.name == name)
    frame = pd.DataFrame({"audio": [raw.clips[i].audio.astype("float64") for i in fold.test],
                          "sample_rate": raw.sample_rate})
    out = model.predict(frame)
    theirs = sorted(c.removeprefix(PROB) for c in out.columns if c.startswith(PROB))
    if theirs != sorted(features.labels):
        raise RnnkitUserError(
            f"The model predicts the classes {theirs}, this run's data has "
            f"{sorted(features.labels)}: they cannot be compared."
        )
    probs = out[[PROB + label for label in features.labels]].to_numpy("float64")
    return scores(features.y[fold.test], np.argmax(probs, axis=1))
