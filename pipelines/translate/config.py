"""The translate task's configuration (filled from `config.yaml`, a profile, overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.core.config import require_at_least, require_between


@dataclass
class DataConfig:
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
    languages: list[str] = field(default_factory=lambda: ["en", "es"])
    max_words: int | None = None
    max_pairs: int | None = None


@dataclass
class FeaturizeConfig:
    """Tokens, vocabularies, splits and batches.

    Args:
        source_vocab_size, target_vocab_size: Vocabulary sizes including the 4 special
            tokens, fitted on the training split only.
        min_count: A token enters a vocabulary only if seen this often in training.
        max_source_length, max_target_length: Training pairs with more tokens are
            dropped; at translation time a longer source is cut (with a warning).
        test_fraction, val_fraction: Shares of distinct source sentences held out; all
            pairs of one source sentence fall in the same split (no leakage).
        bucket_batches: Pairs are sorted by length within pools of this many batches.
        pad_multiple: Batch lengths are rounded up to a multiple of this.
    """

    source_vocab_size: int = 6000
    target_vocab_size: int = 8000
    min_count: int = 1
    max_source_length: int = 40
    max_target_length: int = 40
    test_fraction: float = 0.05
    val_fraction: float = 0.03
    bucket_batches: int = 20
    pad_multiple: int = 4

    def __post_init__(self):
        require_at_least(self, 5, "source_vocab_size", "target_vocab_size")
        require_between(self, 0, 0.5, "test_fraction", "val_fraction")


@dataclass
class ModelConfig:
    """The encoder-decoder (`rnnkit.models.build_seq2seq`).

    Args:
        cell: `rnnkit.models.build_recurrent` name of encoder and decoder.
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

    cell: str = "gru"
    encoder_units: int = 128
    decoder_units: int = 256
    attention_units: int = 128
    embedding_dim: int = 128
    output_units: int | None = 128
    dropout: float = 0.0


@dataclass
class TrainConfig:
    """Adam on the masked token cross-entropy, early stopping on validation loss.

    Args:
        cosine_decay: Anneal the learning rate to zero over `epochs` (cosine).
        patience: Epochs without validation improvement before stopping.
        time_budget_minutes: Stop after the epoch when one more would overrun this
            much training time (`null`: no limit). With `cosine_decay` the learning
            rate is already low in the last epochs, so a cut run ends well.
    """

    epochs: int = 6
    batch_size: int = 128
    learning_rate: float = 2e-3
    cosine_decay: bool = True
    patience: int = 2
    time_budget_minutes: float | None = None
    seed: int = 42


@dataclass
class EvaluateConfig:
    """Decoding and reporting on the test split.

    Args:
        beam: Beam width of the beam-search figures (greedy is always reported too).
        length_alpha: Length normalisation of beam search, `score / |y|^alpha`.
        batch_size: Sentences decoded at once.
        samples: Rows of the sample-translation table.
        heatmaps: Test sentences drawn as attention heatmaps.
        max_test: Score at most this many test pairs (`None`: all).
    """

    beam: int = 4
    length_alpha: float = 1.0
    batch_size: int = 256
    samples: int = 12
    heatmaps: int = 4
    max_test: int | None = None

    def __post_init__(self):
        require_at_least(self, 1, "beam")


@dataclass
class TranslateConfig:
    data: DataConfig = field(default_factory=DataConfig)
    featurize: FeaturizeConfig = field(default_factory=FeaturizeConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
