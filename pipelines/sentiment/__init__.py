"""Sentiment: IMDB reviews or a user's labelled texts, a registry recurrent classifier."""

from pipelines.core.tasks import TaskSpec
from pipelines.sentiment.config import SOURCES, SentimentConfig

TASK = TaskSpec(
    name="sentiment",
    summary="Sentiment classification of movie reviews (or any labelled texts).",
    config=SentimentConfig,
    home=__name__,
    metrics={"accuracy": True, "f1": True, "roc_auc": True},
    key_params=("model.cell", "model.units", "model.pooling", "train.epochs"),
    package=".serving:package",
    predict=".serving:predict",
    score_model=".rescore:score_model",
    sources=SOURCES,
)
