"""Augmentation: waveform speed, reverberation and noise, a vocal-tract length warp of
the spectrum (the copies of training clips, and the test-time copies a served model
averages over), SpecAugment masks on training frames."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from pipelines.speech.config import FeaturizeConfig

PERTURBATION_KEYS = ("speed_range", "pitch_semitones", "noise_snr_db", "vtlp_range",
                     "reverb_rt60", "reverb_fraction")


@dataclass(frozen=True)
class Perturbation:
    """What an augmented copy may change (`FeaturizeConfig`'s fields of the same names);
    the defaults change nothing. Saved in the featurizer JSON for test-time copies."""

    speed_range: list[float] = field(default_factory=lambda: [1.0, 1.0])
    pitch_semitones: list[float] = field(default_factory=list)
    noise_snr_db: list[float] = field(default_factory=list)
    vtlp_range: list[float] = field(default_factory=list)
    reverb_rt60: list[float] = field(default_factory=list)
    reverb_fraction: float = 0.0

    @classmethod
    def from_config(cls, f: FeaturizeConfig) -> Perturbation:
        return cls(**{key: getattr(f, key) for key in PERTURBATION_KEYS})

    def to_dict(self) -> dict:
        return asdict(self)


def augmented_frames(featurizer, audio: np.ndarray, p: Perturbation,
                     rng: np.random.Generator) -> np.ndarray:
    """Frames (before train statistics) of one augmented copy of a segmented clip:
    `perturb` the waveform, then warp its spectrum by a factor from `vtlp_range`."""
    wave = perturb(audio, featurizer.sample_rate, p, rng)
    warp = rng.uniform(*p.vtlp_range) if p.vtlp_range else 1.0
    return featurizer.logmel(wave, trimmed=True, warp=warp)


def perturb(audio: np.ndarray, rate: int, f: Perturbation | FeaturizeConfig,
            rng: np.random.Generator):
    """One augmented copy: speed factor from `speed_range`, a pitch shift of `n` semitones
    from `pitch_semitones` (every frequency times `2^(n/12)`, the tempo kept: a phase
    vocoder's stretch, then resampling), reverberation (a share `reverb_fraction` of the
    copies, RT60 from `reverb_rt60`), white noise at an SNR in `noise_snr_db`. Speed `s`
    plays the clip `s` times faster, which scales every frequency by `s` too -- the
    tempo and vocal-tract change a new speaker brings."""
    import librosa

    speed = rng.uniform(*f.speed_range)
    out = audio
    if abs(speed - 1.0) > 1e-3:
        out = librosa.resample(audio, orig_sr=round(rate * speed), target_sr=rate,
                               res_type="soxr_qq")
    if f.pitch_semitones:
        window = 1 << (round(0.032 * rate) - 1).bit_length()  # 32 ms or more, a power of 2
        out = librosa.effects.pitch_shift(out, sr=rate, n_steps=rng.uniform(*f.pitch_semitones),
                                          res_type="soxr_qq", n_fft=window,
                                          hop_length=window // 4)
    if f.reverb_rt60 and rng.random() < f.reverb_fraction:
        out = reverberate(out, rate, rng.uniform(*f.reverb_rt60), rng)
    if f.noise_snr_db:
        power = float(np.mean(out**2)) + 1e-12
        snr = rng.uniform(*f.noise_snr_db)
        out = out + rng.normal(0.0, np.sqrt(power / 10 ** (snr / 10)), out.shape)
    return out.astype("float32")


def reverberate(audio: np.ndarray, rate: int, rt60: float, rng: np.random.Generator):
    """`audio` in a synthetic room: convolved with `h = δ + g · n(t) e^{-6.9 t / RT60}`,
    `n` white noise over `RT60` seconds, `g` setting the tail's energy equal to the
    direct sound's (the exponential decay of Sabine's room: -60 dB after RT60); cut to
    the clip's length and scaled back to its RMS."""
    from scipy.signal import fftconvolve

    t = np.arange(max(1, round(rt60 * rate))) / rate
    tail = rng.normal(size=len(t)) * np.exp(-6.9 * t / rt60)
    tail[0] = 0.0
    response = tail / (np.sqrt(np.sum(tail**2)) + 1e-12)
    response[0] = 1.0
    wet = fftconvolve(audio, response)[: len(audio)]
    scale = np.sqrt(np.mean(audio**2) / (np.mean(wet**2) + 1e-12))
    return (wet * scale).astype("float32")


def warp_spectrum(power: np.ndarray, alpha: float) -> np.ndarray:
    """Vocal-tract length perturbation (Jaitly & Hinton 2013) of a power spectrogram
    `[bins, T]`: frequency `f` moves to `α f` (linear interpolation between bins; what
    moves past Nyquist is dropped, bins with no source above `α` times Nyquist are 0),
    as a vocal tract `1/α` times as long would place the formants."""
    bins = power.shape[0]
    source = np.arange(bins) / alpha  # the bin each output bin reads
    out = np.empty_like(power)
    for frame in range(power.shape[1]):
        out[:, frame] = np.interp(source, np.arange(bins), power[:, frame], right=0.0)
    return out


def spec_augment(x: np.ndarray, lengths: np.ndarray, f: FeaturizeConfig,
                 rng: np.random.Generator) -> np.ndarray:
    """SpecAugment (Park et al., 2019) on a padded batch `[B, T, n_mels]`, in place.

    Frequency masks set channels to 0 (the training mean after normalisation); time
    masks set frames to the clip's mean frame, never to all zeros, which is padding.
    """
    n_mels = x.shape[2]
    for i, length in enumerate(lengths):
        for _ in range(f.freq_masks):
            width = rng.integers(0, min(f.freq_mask_width, n_mels - 1) + 1)
            start = rng.integers(0, n_mels - width + 1)
            x[i, :length, start : start + width] = 0.0
        mean_frame = x[i, :length].mean(axis=0) + 1e-3
        for _ in range(f.time_masks):
            width = rng.integers(0, int(f.time_mask_fraction * length) + 1)
            start = rng.integers(0, length - width + 1)
            x[i, start : start + width] = mean_frame
    return x
