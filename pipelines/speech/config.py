"""The speech task's configuration (filled from `config.yaml`, a profile, overrides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class DataConfig:
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
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    max_files: int | None = None
    max_bad_fraction: float = 0.05
    workers: int = 2
    seed: int = 42


@dataclass
class FeaturizeConfig:
    """From waveforms to normalised log-mel frames, one frame per RNN step.

    Args:
        sample_rate: Every clip is resampled to this rate (Hz).
        n_mels: Mel channels per frame (the RNN's input size).
        window_ms: Analysis window (25 ms).
        hop_ms: Step between frames (10 ms).
        fmin, fmax: Mel band edges in Hz; `fmax=None` is half the sample rate.
        trim_db: Leading/trailing silence quieter than this many dB below the peak is
            cut; `None` keeps it.
        utterance_norm: `none`, `mean` (subtract each clip's mean per channel: removes
            microphone and voice colour) or `meanvar` (also divide by its std).
        max_frames: Longer clips are cut to this many frames.
        cepstra: Keep the first this many DCT coefficients of each log-mel frame
            (MFCCs: the spectral envelope without pitch harmonics); `None` keeps the
            log-mels.
        deltas: Append this many orders (0, 1, 2) of frame-to-frame deltas.
        augment_copies: Waveform-augmented versions precomputed per training clip; each
            epoch draws one version of every clip (the original included).
        speed_range: Speed perturbation factors `[low, high]` (changes tempo and pitch,
            as a different vocal tract would).
        noise_snr_db: White-noise SNR range `[low, high]` in dB; `[]` adds none.
        spec_augment: SpecAugment time and frequency masks on training batches.
        freq_masks, freq_mask_width: Number and maximum width (channels) of frequency masks.
        time_masks, time_mask_fraction: Number and maximum width (share of the clip's
            frames) of time masks.
    """

    sample_rate: int = 8000
    n_mels: int = 40
    window_ms: float = 25.0
    hop_ms: float = 10.0
    fmin: float = 20.0
    fmax: float | None = None
    trim_db: float | None = 30.0
    utterance_norm: Literal["none", "mean", "meanvar"] = "none"
    max_frames: int = 300
    cepstra: int | None = None
    deltas: int = 0
    augment_copies: int = 0
    speed_range: list[float] = field(default_factory=lambda: [0.8, 1.25])
    noise_snr_db: list[float] = field(default_factory=lambda: [15.0, 40.0])
    spec_augment: bool = False
    freq_masks: int = 2
    freq_mask_width: int = 6
    time_masks: int = 2
    time_mask_fraction: float = 0.1

    def __post_init__(self):
        if self.cepstra is not None and not 0 < self.cepstra <= self.n_mels:
            raise ValueError(f"cepstra must be null or in 1..n_mels={self.n_mels}. "
                             f"Received: cepstra={self.cepstra}")
        if self.deltas not in (0, 1, 2):
            raise ValueError(f"deltas must be 0, 1 or 2. Received: deltas={self.deltas}")
        if len(self.speed_range) != 2 or not 0 < self.speed_range[0] <= self.speed_range[1]:
            raise ValueError(f"speed_range must be [low, high] with 0 < low <= high. "
                             f"Received: speed_range={self.speed_range}")
        if self.noise_snr_db and len(self.noise_snr_db) != 2:
            raise ValueError(f"noise_snr_db must be [] or [low, high]. "
                             f"Received: noise_snr_db={self.noise_snr_db}")


@dataclass
class ModelConfig:
    """The classifier: a registry recurrent layer over frames, pooling, softmax.

    Args:
        cell: `rnnkit.models.build_recurrent` name (`gru lstm simple elman leaky ...`).
        units: Hidden units (per direction).
        bidirectional: Wrap the recurrent layer in `Bidirectional`.
        pooling: `last` (final state), `attention` or `mean` over the frames.
        dropout: Dropout before the softmax.
    """

    cell: str = "gru"
    units: int = 64
    bidirectional: bool = True
    pooling: Literal["last", "attention", "mean"] = "last"
    dropout: float = 0.2


@dataclass
class TrainConfig:
    """Adam on sparse categorical cross-entropy, early-stopped on validation loss.

    Args:
        patience: Epochs without validation improvement before stopping (the best
            epoch's weights are restored); the rate halves after `patience // 2`.
        batch_size: Clips per batch (batches group clips of similar length).
    """

    epochs: int = 60
    batch_size: int = 32
    learning_rate: float = 2e-3
    patience: int = 8
    seed: int = 42


@dataclass
class EvaluateConfig:
    """Baselines: the majority class and a logistic regression on pooled log-mels.

    Args:
        linear_baseline: Fit the logistic-regression baseline.
    """

    linear_baseline: bool = True


@dataclass
class SpeechConfig:
    data: DataConfig = field(default_factory=DataConfig)
    featurize: FeaturizeConfig = field(default_factory=FeaturizeConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    evaluate: EvaluateConfig = field(default_factory=EvaluateConfig)
