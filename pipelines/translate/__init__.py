"""Translate: Anki/Tatoeba sentence pairs, an attention encoder-decoder, BLEU and chrF."""

from pipelines.core.tasks import TaskSpec
from pipelines.translate.config import SOURCES, TranslateConfig

TASK = TaskSpec(
    name="translate",
    summary="English -> Spanish translation with an attention encoder-decoder.",
    config=TranslateConfig,
    home=__name__,
    metrics={"bleu": True, "chrf": True, "source_leak": False},
    key_params=("model.cell", "model.decoder_units", "data.direction",
                "train.epochs"),
    package=".serving:package",
    predict=".serving:predict",
    score_model=".rescore:score_model",
    sources=SOURCES,
)
