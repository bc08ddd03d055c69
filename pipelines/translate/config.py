"""The translate task's configuration: typed sections holding every default and its
allowed range (`config.yaml` holds only profile overlays; see `pipelines.core.config`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pipelines.core.config import (
    ConfigModel,
    Dropout,
    LearningRate,
    NonNegativeInt,
    PositiveInt,
    RecurrentModelConfig,
    Seed,
    broken_rule,
    check_choice,
    task_config,
)

#: `data.source` values (`pipelines.translate.ingest.SOURCES` lists the same).
SOURCES = ("anki_spa_eng", "anki_fra_eng", "file:PATH")
#: The column languages of the packaged pair files (`ingest.PAIR_SOURCES` has the same).
PAIR_LANGUAGES = {"anki_spa_eng": ("en", "es"), "anki_fra_eng": ("en", "fr")}
VocabSize = Annotated[int, Field(ge=5)]  # the 4 special tokens and at least one word
SplitFraction = Annotated[float, Field(gt=0, lt=0.5)]


class DataConfig(ConfigModel):
    """Which sentence pairs, and which way to translate them.

    Args:
        source: `anki_spa_eng` (data home `anki_spa_eng/spa.txt`, English-Spanish),
            `anki_fra_eng` (`anki_fra_eng/fra.txt`, English-French) or `file:PATH`
            (any `first<TAB>second` pair file; `data.languages` names its columns).
        direction: `first-second` codes, e.g. `en-es` (the file's column order) or
            `es-en` (reversed).
        languages: Language codes of a `file:PATH`'s two columns.
        max_words: Keep only pairs whose sentences both have at most this many
            words (spaces + 1); `None`: all. Applied before `max_pairs`.
        max_pairs: Use a random subset of this many pairs (smoke runs); `None`: all.
    """

    source: str = "anki_spa_eng"
    direction: str = "en-es"
    languages: Annotated[list[Annotated[str, Field(min_length=1)]],
                         Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: ["en", "es"])
    max_words: PositiveInt | None = None
    max_pairs: PositiveInt | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return check_choice(value, SOURCES)

    @model_validator(mode="after")
    def _direction_fits(self) -> DataConfig:
        source = self.source.strip()
        first, second = PAIR_LANGUAGES.get(source, self.languages)
        if self.direction not in (f"{first}-{second}", f"{second}-{first}"):
            whose = (f"the languages of {source}" if source in PAIR_LANGUAGES
                     else f"data.languages = [{first}, {second}], the columns of {source}")
            keys = ("direction", "source") if source in PAIR_LANGUAGES else (
                "direction", "source", "languages")
            raise broken_rule(f"direction must be {first}-{second} or {second}-{first} "
                              f"({whose}); received {self.direction!r}", *keys)
        return self


class FeaturizeConfig(ConfigModel):
    """Tokens, vocabularies, splits and batches.

    Args:
        tokenizer: `subword`: a SentencePiece model per language, numbers and names
            carried through by copy tags (`pipelines.translate.subwords`); `word`: word
            vocabularies, an `<unk>` copying the attended source word only if it is a
            number or a name (the codec of models saved before subwords).
        subword_model: SentencePiece's `unigram` or `bpe` (`tokenizer: subword`).
        source_vocab_size, target_vocab_size: Vocabulary sizes including the 4 special
            tokens (and the copy tags), fitted on the training split only: pieces for
            `subword` (at most: a small text gets fewer), words for `word`.
        max_copies: Copy tags per sentence: the first this many distinct numbers and
            names of a source are copied (`subword`; 0: none, everything is spelled).
        min_count: A word enters a vocabulary only if seen this often in training
            (`word`).
        max_source_length, max_target_length: Training pairs with more tokens (pieces
            or words) are dropped; at translation time a longer source is cut (with a
            warning).
        test_fraction, val_fraction: Shares of distinct source sentences held out; all
            pairs of one source sentence fall in the same split (no leakage).
        bucket_batches: Pairs are sorted by length within pools of this many batches.
        pad_multiple: Batch lengths are rounded up to a multiple of this.
    """

    tokenizer: Literal["subword", "word"] = "subword"
    subword_model: Literal["unigram", "bpe"] = "unigram"
    # measured (TF, 2 busy CPU cores, the default model, 100 steps of batch 128): 4k/6k
    # pieces take 0.42 s a step, as the 6k/8k words did before; 6k/8k pieces 0.53 s
    source_vocab_size: VocabSize = 4000
    target_vocab_size: VocabSize = 6000
    max_copies: Annotated[int, Field(ge=0, le=32)] = 8
    min_count: PositiveInt = 1
    # pieces: a sentence is ~1.2x its words (Anki en-es at 4k/6k: mean 9.1 / 8.8 pieces,
    # 99th percentile 21); 48 drops almost nothing
    max_source_length: PositiveInt = 48
    max_target_length: PositiveInt = 48
    test_fraction: SplitFraction = 0.05
    val_fraction: SplitFraction = 0.03
    bucket_batches: PositiveInt = 20
    pad_multiple: PositiveInt = 4


class ModelConfig(RecurrentModelConfig):
    """The encoder-decoder (`rnnkit.models.build_seq2seq`).

    Args:
        cell: `rnnkit.models.build_recurrent` name of encoder and decoder.
        cell_args: The cell's own arguments (`alpha`, `delays`, `periods`, `inner_cell`
            and `num_layers` of `stacked` ...), checked against the cell.
        encoder_units: Units per direction of the bidirectional encoder.
        decoder_units: Units of the decoder.
        attention_units: Hidden size of the Bahdanau scoring MLP.
        embedding_dim: Size of the source and target word vectors.
        output_units: Linear bottleneck before the vocabulary projection, which
            dominates the cost of a training step (`null`: none).
        dropout: On embeddings and before the output layer. 0 by default: with
            gradient clipping and a tanh before the output it kept a model at the
            unigram loss (issue 11).
    """

    encoder_units: PositiveInt = 128
    decoder_units: PositiveInt = 256
    attention_units: PositiveInt = 128
    embedding_dim: PositiveInt = 128
    output_units: PositiveInt | None = 128  # before the softmax over the target vocabulary
    dropout: Dropout = 0.0


class TrainConfig(ConfigModel):
    """Adam on the masked token cross-entropy, early stopping on validation loss.

    Args:
        cosine_decay: Anneal the learning rate to zero over `epochs` (cosine).
        patience: Epochs without validation improvement before stopping.
        time_budget_minutes: Stop after the epoch when one more would overrun this
            much training time (`null`: no limit). With `cosine_decay` the learning
            rate is already low in the last epochs, so a cut run ends well.
        label_smoothing: ε of the label-smoothed token cross-entropy
            (`Seq2Seq.compile(label_smoothing=ε)`, which takes the term from the output
            layer's features at the cost of the plain loss); 0: plain cross-entropy. The
            losses logged are then the smoothed ones. 0.1 gave test BLEU 42.4 beam 4 /
            39.7 greedy against 41.6 / 39.2 without (README, "Translation").
    """

    epochs: PositiveInt = 7
    batch_size: PositiveInt = 128
    learning_rate: LearningRate = 2e-3
    cosine_decay: bool = True
    patience: NonNegativeInt = 2
    # the default profile must finish in 30 min on 2 CPU cores
    time_budget_minutes: Annotated[float, Field(gt=0)] | None = 25.0
    label_smoothing: Annotated[float, Field(ge=0, lt=1)] = 0.1
    seed: Seed = 42


class EvaluateConfig(ConfigModel):
    """Decoding and reporting on the test split.

    Args:
        beam: Beam width of the beam-search figures (greedy is always reported too).
        length_alpha: Length normalisation of beam search, `score / |y|^alpha`.
        batch_size: Sentences decoded at once.
        samples: Rows of the sample-translation table.
        heatmaps: Test sentences drawn as attention heatmaps.
        max_test: Score at most this many test pairs (`None`: all).
    """

    beam: PositiveInt = 4
    length_alpha: Annotated[float, Field(ge=0)] = 1.0
    batch_size: PositiveInt = 256
    samples: NonNegativeInt = 12
    heatmaps: NonNegativeInt = 4
    max_test: PositiveInt | None = None


TranslateConfig = task_config(
    "TranslateConfig", __name__, data=DataConfig, featurize=FeaturizeConfig, model=ModelConfig,
    train=TrainConfig, evaluate=EvaluateConfig)
