"""score_model: any registered translator, scored on this run's test pairs.

`rnnkit retrain` calls it for the challenger and for the champion. Each model reads the
raw test sentences through its OWN tokenizer and vocabularies (as in serving) and
decodes with this run's ``evaluate.beam``; the references are this run's, so ``bleu``,
``chrf`` and ``source_leak`` are those of `evaluate`'s beam row (sacreBLEU, detokenized,
cased; the leak against this run's training targets).
"""

from __future__ import annotations

import pandas as pd

from pipelines.core.errors import RnnkitUserError
from pipelines.core.serving import answers_or_raise, task_model
from pipelines.translate.evaluate import known_targets, scored_pairs, scores
from pipelines.translate.featurize import TranslateFeatures
from pipelines.translate.serving import OUTPUT_COLUMN, TEXT_COLUMN


def score_model(cfg, raw, features: TranslateFeatures, model) -> dict[str, float]:
    """BLEU, chrF and source leak of `model` (a loaded `rnnkit-translate` pyfunc) on
    the test split."""
    theirs = _direction(model)
    if theirs is not None and theirs != features.codec.direction:
        raise RnnkitUserError(
            f"The model translates {theirs}, this run's pairs are "
            f"{features.codec.direction}: they cannot be compared."
        )
    sources, references = scored_pairs(cfg, features)
    distinct = list(dict.fromkeys(sources))
    answers = answers_or_raise(model.predict(pd.DataFrame({TEXT_COLUMN: distinct}),
                                             params={"beam": cfg.evaluate.beam}), "test source")
    output = {s: str(a[OUTPUT_COLUMN]) for s, a in zip(distinct, answers, strict=True)}
    return scores([output[s] for s in sources], references, sources,
                  known_targets(features))


def _direction(model) -> str | None:
    """The direction (``en-es``) saved with a translator pyfunc, if it can be read."""
    try:
        return task_model(model).codec.direction
    except AttributeError:  # not an rnnkit translator pyfunc: let decoding fail or not
        return None
