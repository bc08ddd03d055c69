"""The sentiment task's configuration: typed sections holding every default and its
allowed range (`config.yaml` holds only profile overlays; see `pipelines.core.config`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from pipelines.core.config import (
    ConfigModel,
    Dropout,
    Fraction,
    LearningRate,
    NonNegativeInt,
    PositiveInt,
    RecurrentModelConfig,
    Seed,
    check_choice,
    invalid,
    task_config,
)

#: `data.source` values (`pipelines.sentiment.ingest.SOURCES` lists the same).
SOURCES = ("imdb", "csv:PATH")
ColumnName = Annotated[str, Field(min_length=1)]


class DataConfig(ConfigModel):
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
    text_column: ColumnName = "text"
    label_column: ColumnName = "label"
    labels: Annotated[list[str | int | float | bool], Field(min_length=2)] | None = None
    split_column: ColumnName | None = None
    max_train: PositiveInt | None = None
    max_test: PositiveInt | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return check_choice(value, SOURCES)

    @field_validator("labels")
    @classmethod
    def _distinct(cls, value: list | None) -> list | None:
        if value is not None and len({str(v) for v in value}) != len(value):
            raise invalid("null or a list of 2 or more distinct labels")
        return value


class FeaturizeConfig(ConfigModel):
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

    vocab_size: Annotated[int, Field(ge=3)] = 30000
    min_count: PositiveInt = 2
    max_length: PositiveInt = 400
    head_fraction: Annotated[float, Field(ge=0, le=1)] = 0.5
    val_fraction: Fraction = 0.1
    test_fraction: Fraction = 0.2
    bucket_batches: PositiveInt = 50
    pad_multiple: PositiveInt = 16


class ModelConfig(RecurrentModelConfig):
    """The classifier: embedding, a registry recurrent layer, pooling, softmax.

    Args:
        cell: `rnnkit.models.build_recurrent` name (`gru lstm simple elman leaky ...`).
        cell_args: The cell's own arguments (`alpha`, `delays`, `periods`, `inner_cell`
            and `num_layers` of `stacked` ...), checked against the cell.
        units: Hidden units of the recurrent layer (per direction).
        bidirectional: Read the text both ways.
        pooling: `last` state, or `attention`, `mean`, `max`, `mean_max` (mean and max
            concatenated) over the (masked) outputs.
        embedding_dim: Size of the learned word vectors.
        dropout: Dropout before the softmax layer.
        embedding_dropout: Share of embedding channels dropped for a whole text
            (spatial dropout, training only).
        ngram_buckets: Hash buckets of the n-grams of the whole text read by a linear
            channel beside the recurrent path (`rnnkit.layers.BagLinear`, NB-scaled for
            two classes: a wide & deep model whose wide part is NBSVM's); 0 = the
            recurrent path alone.
        ngram_order: Longest n-gram of that channel (1 = words, 2 = words and bigrams).
    """

    units: PositiveInt = 64
    bidirectional: bool = True
    pooling: Literal["last", "attention", "mean", "max", "mean_max"] = "mean"
    embedding_dim: PositiveInt = 128
    dropout: Dropout = 0.3
    embedding_dropout: Dropout = 0.0
    ngram_buckets: NonNegativeInt = 0
    ngram_order: Annotated[int, Field(ge=1, le=4)] = 2


class TrainConfig(ConfigModel):
    """Adam on sparse categorical cross-entropy, early stopping on validation loss.

    Args:
        cosine_decay: Anneal the learning rate to zero over `epochs` (cosine).
        word_dropout: Share of the words of each training batch replaced by `<unk>`.
        ngram_epochs: Most epochs of the n-gram path (`model.ngram_buckets`), trained
            before the recurrent path at a constant `learning_rate`; its best
            validation epoch is kept.
        patience: Epochs without validation improvement before stopping; the best
            epoch's weights are restored.
    """

    epochs: PositiveInt = 3
    batch_size: PositiveInt = 32
    learning_rate: LearningRate = 1e-3
    cosine_decay: bool = False
    patience: NonNegativeInt = 1
    word_dropout: Dropout = 0.0
    ngram_epochs: PositiveInt = 3
    seed: Seed = 42


class EvaluateConfig(ConfigModel):
    """Baselines: the majority class and TF-IDF + logistic regression.

    Args:
        tfidf_max_features: Vocabulary of the TF-IDF baseline.
        tfidf_ngrams: Word n-grams of the TF-IDF baseline, 1..n.
        tfidf_c: Inverse regularisation strength of its logistic regression.
        nb_ngrams: Word n-grams of the NB + logistic regression baseline (NBSVM's linear
            model; two classes only), 1..n.
    """

    tfidf_max_features: PositiveInt = 100000
    tfidf_ngrams: PositiveInt = 2
    tfidf_c: Annotated[float, Field(gt=0)] = 4.0
    nb_ngrams: Annotated[int, Field(ge=1, le=3)] = 2


SentimentConfig = task_config(
    "SentimentConfig", __name__, data=DataConfig,
    featurize=FeaturizeConfig, model=ModelConfig, train=TrainConfig, evaluate=EvaluateConfig)
