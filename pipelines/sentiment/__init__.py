"""Sentiment: IMDB reviews or a user's labelled texts, a registry recurrent classifier."""

from pipelines.sentiment.config import SentimentConfig as Config
from pipelines.sentiment.evaluate import evaluate
from pipelines.sentiment.featurize import featurize
from pipelines.sentiment.ingest import SOURCES, ingest
from pipelines.sentiment.rescore import score_model
from pipelines.sentiment.serving import package, predict
from pipelines.sentiment.train import train

DESCRIPTION = "Text classification (IMDB sentiment) with a recurrent classifier."

__all__ = ["Config", "DESCRIPTION", "SOURCES", "evaluate", "featurize", "ingest", "package",
           "predict",
           "score_model", "train"]
