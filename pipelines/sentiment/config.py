"""The sentiment task's configuration (filled from `config.yaml`, a profile, overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pipelines.core.config import require_at_least, require_between


@dataclass
class DataConfig:
    """Where the labelled texts come from.

    Args:
        source: `imdb` (data home `imdb_reviews/imdb_reviews.csv.gz`, the aclImdb
            train/test split) or `csv:PATH` (a user's CSV, plain or .gz).
        text_column: Column holding the text (csv only; IMDB's is `text`).
        label_column: Column holding the label, of any type (csv only).
        labels: The labels a csv may hold, in class-id order; a value outside the list
            is an error that lists it. `None`: the sorted distinct values found.
        split_column: Column whose `train`/`test` values give the split (csv only);
            `None`: a stratified random `featurize.test_fraction` is held out.
        max_train: Use a random subset of this many training texts (smoke runs).
        max_test: Use a random subset of this many test texts.
    """

    source: str = "imdb"
    text_column: str = "text"
    label_column: str = "label"
    labels: list[str | int | float | bool] | None = None
    split_column: str | None = None
    max_train: int | None = None
    max_test: int | None = None


@dataclass
class FeaturizeConfig:
    """From raw text to padded token-id batches.

    Args:
        vocab_size: Vocabulary size including `<pad>` (0) and `<unk>` (1), fitted on
            the training split only.
        min_count: A word enters the vocabulary only if seen this often in training.
        max_length: Longer texts are cut to this many tokens.
        head_fraction: Share of `max_length` kept from the start of a long text; the
            rest comes from its end (reviews often end with the verdict).
        val_fraction: Share of the training split held out for early stopping.
        test_fraction: Share held out as test when a csv has no `data.split_column`.
        bucket_batches: Texts are sorted by length within pools of this many batches,
            so a batch pads to the length of similar texts.
        pad_multiple: Batch lengths are rounded up to a multiple of this, so few
            distinct shapes compile.
    """

    vocab_size: int = 20000
    min_count: int = 2
    max_length: int = 400
    head_fraction: float = 0.5
    val_fraction: float = 0.1
    test_fraction: float = 0.2
    bucket_batches: int = 50
    pad_multiple: int = 16

    def __post_init__(self):
        require_at_least(self, 3, "vocab_size")
        require_between(self, 0, 1, "head_fraction", closed=True)
        require_between(self, 0, 1, "val_fraction", "test_fraction")


@dataclass
class ModelConfig:
    """The classifier: embedding, a registry recurrent layer, pooling, softmax.

    Args:
        cell: `rnnkit.models.build_recurrent` name (`gru lstm simple elman leaky ...`).
        units: Hidden units of the recurrent layer (per direction).
        bidirectional: Read the text both ways.
        pooling: `last` state, or `attention`, `mean`, `max`, `mean_max` (mean and max
            concatenated) over the (masked) outputs.
        embedding_dim: Size of the learned word vectors.
        dropout: Dropout before the softmax layer.
        embedding_dropout: Share of embedding channels dropped for a whole text
            (spatial dropout, training only).
    """

    cell: str = "gru"
    units: int = 64
    bidirectional: bool = True
    pooling: Literal["last", "attention", "mean", "max", "mean_max"] = "mean"
    embedding_dim: int = 128
    dropout: float = 0.3
    embedding_dropout: float = 0.0


@dataclass
class TrainConfig:
    """Adam on sparse categorical cross-entropy, early stopping on validation loss.

    Args:
        cosine_decay: Anneal the learning rate to zero over `epochs` (cosine).
        word_dropout: Share of the words of each training batch replaced by `<unk>`.
        patience: Epochs without validation improvement before stopping; the best
            epoch's weights are restored.
    """

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-3
    cosine_decay: bool = False
    patience: int = 1
    word_dropout: float = 0.0
    seed: int = 42


@dataclass
class EvaluateConfig:
    """Baselines: the majority class and TF-IDF + logistic regression.

    Args:
        tfidf_max_features: Vocabulary of the TF-IDF baseline.
        tfidf_ngrams: Word n-grams of the TF-IDF baseline, 1..n.
        tfidf_c: Inverse regularisation strength of its logistic regression.
    """

    tfidf_max_features: int = 100000
    tfidf_ngrams: int = 2
    tfidf_c: float = 4.0


@dataclass
class SentimentConfig:
    data: DataConfig = field(default_factory=DataConfig)
    featurize: FeaturizeConfig = field(default_factory=FeaturizeConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
