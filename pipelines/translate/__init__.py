"""Translate: Anki/Tatoeba sentence pairs, an attention encoder-decoder, BLEU and chrF."""

from pipelines.translate.config import TranslateConfig as Config
from pipelines.translate.evaluate import evaluate
from pipelines.translate.featurize import featurize
from pipelines.translate.ingest import SOURCES, ingest
from pipelines.translate.rescore import score_model
from pipelines.translate.serving import package, predict
from pipelines.translate.train import train

DESCRIPTION = "English -> Spanish translation with an attention encoder-decoder (BLEU, chrF)."

__all__ = ["Config", "DESCRIPTION", "SOURCES", "evaluate", "featurize", "ingest", "package",
           "predict",
           "score_model", "train"]
