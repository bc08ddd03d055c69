"""The speech task's configuration: typed sections holding every default and its
allowed range (`config.yaml` holds only profile overlays; see `pipelines.core.config`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from pipelines.core.config import (
    ConfigModel,
    Dropout,
    Fraction,
    LearningRate,
    NonNegativeInt,
    PositiveInt,
    RecurrentModelConfig,
    Seed,
    broken_rule,
    check_choice,
    invalid,
    task_config,
)

#: `data.source` values (`pipelines.speech.ingest.SOURCES` lists the same).
SOURCES = ("fsdd", "folder:PATH", "tfds:speech_commands")
PositiveFloat = Annotated[float, Field(gt=0)]
#: What each optional `[low, high]` range of `FeaturizeConfig` must be.
OPTIONAL_RANGES = {
    "noise_snr_db": "[] (no noise) or [low, high] in dB with low <= high",
    "pitch_semitones": "[] (no shift) or [low, high] in semitones with low <= high",
    "vtlp_range": "[] (none) or [low, high] with 0 < low <= high",
    "reverb_rt60": "[] (none) or [low, high] with 0 < low <= high",
}


class DataConfig(ConfigModel):
    """Where the clips come from and how they are split.

    Args:
        source: `fsdd` (Free Spoken Digit Dataset in the data home), `folder:PATH`
            (the user's wavs laid out as `<label>/<file>.wav`) or `tfds:speech_commands`.
        split: `official` (FSDD: takes 0-4 of each digit and speaker are test; TFDS: its
            test split; a folder: a seeded stratified `test_fraction`) or `speaker`
            (leave-one-speaker-out: whole speakers held out).
        test_speaker: With `split=speaker`, run only the fold holding out this speaker;
            `None` runs every fold and reports each and their mean.
        val_fraction: Share of the training clips kept for early stopping.
        test_fraction: Held-out share when a source has no official test split.
        max_files: Read a seeded random subset of this many files (smoke runs).
        max_bad_fraction: Corrupt or empty wavs are skipped and listed; the run fails
            when more than this share of the files is bad.
        workers: Threads decoding wavs.
        seed: Seed of the subset, the validation and test draws.
    """

    source: str = "fsdd"
    split: Literal["official", "speaker"] = "official"
    test_speaker: str | None = None
    val_fraction: Fraction = 0.1
    test_fraction: Fraction = 0.1
    max_files: PositiveInt | None = None
    max_bad_fraction: Annotated[float, Field(ge=0, le=1)] = 0.05
    workers: PositiveInt = 2
    seed: Seed = 42

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return check_choice(value, SOURCES)


class FeaturizeConfig(ConfigModel):
    """From waveforms to normalised log-mel frames, one frame per RNN step.

    Args:
        sample_rate: Every clip is resampled to this rate (Hz).
        n_mels: Mel channels per frame (the RNN's input size).
        window_ms: Analysis window (25 ms).
        hop_ms: Step between frames (10 ms).
        fmin, fmax: Mel band edges in Hz; `fmax=None` is half the sample rate.
        trim_db: Leading/trailing silence quieter than this many dB below the peak is
            cut (to the first and last sample above it); `None` keeps it.
        locate_ms: A clip still longer than this after trimming (a long recording with
            the word somewhere inside) is cut to its loudest stretch this long, then
            trimmed again; `None` cuts it at `max_frames` instead. 1 s holds every
            trimmed FSDD digit but 3 of 2,500 (0.96 s is the 99.9th percentile).
        floor_db: Each clip's log-mel is floored this many dB below its loudest bin, so
            the noise floor of the room and microphone, which differs from recording to
            recording, reads as one level; `None` keeps the whole range.
        utterance_norm: `none`, `mean` (subtract each clip's mean per channel: removes
            microphone and voice colour) or `meanvar` (also divide by its std).
        max_frames: Longer clips are cut to this many frames (after locating, a guard).
        cepstra: Keep the first this many DCT coefficients of each log-mel frame
            (MFCCs: the spectral envelope without pitch harmonics); `None` keeps the
            log-mels.
        deltas: Append this many orders (0, 1, 2) of frame-to-frame deltas.
        augment_copies: Waveform-augmented versions precomputed per training clip; each
            epoch draws one version of every clip (the original included), so more
            copies cost featurize time and memory, not training steps.
        augment_budget: At most this many augmented versions in all: a source with more
            training clips gets `augment_budget // clips` copies of each (0 from
            `augment_budget` clips on; FSDD's 3,000 keep all 16). `None`: no cap.
        speed_range: Speed perturbation factors `[low, high]` (changes tempo and pitch,
            as a different vocal tract would).
        pitch_semitones: Pitch shift range `[low, high]` in semitones, tempo kept (the
            whole spectrum moves, harmonics and formants alike); `[]` = none.
        noise_snr_db: White-noise SNR range `[low, high]` in dB; `[]` adds none.
        vtlp_range: Vocal-tract length perturbation: each copy's spectrum is warped by a
            factor from `[low, high]` (formants move, tempo and pitch stay); `[]` = none.
        reverb_rt60: Reverberation time range `[low, high]` in seconds of the synthetic
            room a share `reverb_fraction` of the copies is played in; `[]` = none.
        test_time_copies: Test-time augmentation: the model (as evaluated and served)
            averages its probabilities over the clip and this many perturbed copies of it,
            made with the training copies' settings from a fixed seed (the same K
            perturbations for every clip, so an answer is reproducible); 0 = the clip alone,
            as when the model trains on no augmented copies (a model that never saw a
            perturbed clip is only confused by them: the smoke profile lost 11 points).
        spec_augment: SpecAugment time and frequency masks on training batches.
        freq_masks, freq_mask_width: Number and maximum width (channels) of frequency masks.
        time_masks, time_mask_fraction: Number and maximum width (share of the clip's
            frames) of time masks.
    """

    sample_rate: PositiveInt = 8000
    n_mels: PositiveInt = 40
    window_ms: PositiveFloat = 25.0
    hop_ms: PositiveFloat = 10.0
    fmin: Annotated[float, Field(ge=0)] = 20.0
    fmax: PositiveFloat | None = None
    trim_db: PositiveFloat | None = 30.0
    locate_ms: PositiveFloat | None = 1000.0
    floor_db: PositiveFloat | None = 40.0
    utterance_norm: Literal["none", "mean", "meanvar"] = "meanvar"
    max_frames: PositiveInt = 300
    cepstra: PositiveInt | None = 13
    deltas: Annotated[int, Field(ge=0, le=2)] = 1
    augment_copies: NonNegativeInt = 16
    augment_budget: PositiveInt | None = 60_000
    speed_range: Annotated[list[PositiveFloat], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [0.8, 1.25])
    pitch_semitones: list[float] = Field(default_factory=list)
    noise_snr_db: list[float] = Field(default_factory=lambda: [15.0, 40.0])
    vtlp_range: list[PositiveFloat] = Field(default_factory=lambda: [0.9, 1.1])
    reverb_rt60: list[PositiveFloat] = Field(default_factory=lambda: [0.1, 0.5])
    reverb_fraction: Fraction = 0.5
    test_time_copies: NonNegativeInt = 16
    spec_augment: bool = True
    freq_masks: NonNegativeInt = 2
    freq_mask_width: NonNegativeInt = 3
    time_masks: NonNegativeInt = 2
    time_mask_fraction: Annotated[float, Field(ge=0, le=1)] = 0.1

    @field_validator("speed_range")
    @classmethod
    def _low_high(cls, value: list[float]) -> list[float]:
        if value[0] > value[1]:
            raise invalid("[low, high] with 0 < low <= high")
        return value

    @field_validator("noise_snr_db", "pitch_semitones", "vtlp_range", "reverb_rt60")
    @classmethod
    def _empty_or_low_high(cls, value: list[float], info: ValidationInfo) -> list[float]:
        if value and (len(value) != 2 or value[0] > value[1]):
            raise invalid(OPTIONAL_RANGES[info.field_name])
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FeaturizeConfig:
        nyquist = self.sample_rate / 2
        if self.cepstra is not None and self.cepstra > self.n_mels:
            raise broken_rule(f"cepstra must be null or an integer in [1, n_mels = {self.n_mels}]"
                              f"; received {self.cepstra}", "cepstra", "n_mels")
        if self.fmax is not None and not self.fmin < self.fmax <= nyquist:
            raise broken_rule(f"fmax must be null or in (fmin = {self.fmin:g}, sample_rate / 2 "
                              f"= {nyquist:g}]; received {self.fmax:g}",
                              "fmax", "fmin", "sample_rate")
        if self.fmin >= nyquist:
            raise broken_rule(f"fmin must be below sample_rate / 2 = {nyquist:g}; received "
                              f"{self.fmin:g}", "fmin", "sample_rate")
        for name in ("window_ms", "hop_ms"):
            if round(self.sample_rate * getattr(self, name) / 1000) < 1:
                raise broken_rule(f"{name} must span at least one sample at sample_rate = "
                                  f"{self.sample_rate}; received {getattr(self, name):g}",
                                  name, "sample_rate")
        longest = self.max_frames * self.hop_ms
        if self.locate_ms is not None and not self.window_ms <= self.locate_ms <= longest:
            raise broken_rule(f"locate_ms must be null or in [window_ms = {self.window_ms:g}, "
                              f"max_frames * hop_ms = {longest:g}]; received "
                              f"{self.locate_ms:g}", "locate_ms", "window_ms", "max_frames",
                              "hop_ms")
        return self


class ModelConfig(RecurrentModelConfig):
    """The classifier: a registry recurrent layer over frames, pooling, softmax.

    Args:
        cell: `rnnkit.models.build_recurrent` name (`gru lstm simple elman leaky ...`).
        cell_args: The cell's own arguments (`alpha`, `delays`, `periods`, `inner_cell`
            and `num_layers` of `stacked` ...), checked against the cell.
        units: Hidden units (per direction).
        bidirectional: Wrap the recurrent layer in `Bidirectional`.
        pooling: `last` (final state), `attention` or `mean` over the frames.
        dropout: Dropout before the softmax.
        conv_filters: Filters of each block of a convolutional front-end over time and
            frequency before the recurrent layer (`rnnkit.layers.ConvFrontEnd`, each
            block halving the frequency axis); `[]` = the frames go straight in.
    """

    units: PositiveInt = 64
    bidirectional: bool = True
    pooling: Literal["last", "attention", "mean"] = "attention"
    dropout: Dropout = 0.3
    conv_filters: list[PositiveInt] = Field(default_factory=list)


class TrainConfig(ConfigModel):
    """Adam on sparse categorical cross-entropy, early-stopped on validation loss.

    Args:
        patience: Epochs without validation improvement before stopping (the best
            epoch's weights are restored); the rate halves after `patience // 2`.
        batch_size: Clips per batch (batches group clips of similar length).
        ensemble: Members trained per fold, from seeds `seed`, `seed + 1`, …; the model
            averages their probabilities (a deep ensemble); 1 = one model.
    """

    epochs: PositiveInt = 40
    batch_size: PositiveInt = 32
    learning_rate: LearningRate = 2e-3
    patience: NonNegativeInt = 6
    ensemble: PositiveInt = 3
    seed: Seed = 42


class EvaluateConfig(ConfigModel):
    """Baselines: the majority class and a logistic regression on pooled log-mels.

    Args:
        linear_baseline: Fit the logistic-regression baseline.
    """

    linear_baseline: bool = True


SpeechConfig = task_config(
    "SpeechConfig", __name__, data=DataConfig, featurize=FeaturizeConfig, model=ModelConfig,
    train=TrainConfig, evaluate=EvaluateConfig)
