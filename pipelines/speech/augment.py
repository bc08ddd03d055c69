"""Training-only augmentation: waveform speed and noise, SpecAugment masks on frames."""

from __future__ import annotations

import numpy as np

from pipelines.speech.config import FeaturizeConfig


def perturb(audio: np.ndarray, rate: int, f: FeaturizeConfig, rng: np.random.Generator):
    """One augmented copy: speed factor from `speed_range`, white noise at an SNR in
    `noise_snr_db`. Speed `s` plays the clip `s` times faster, which scales every
    frequency by `s` too -- the tempo and vocal-tract change a new speaker brings."""
    import librosa

    speed = rng.uniform(*f.speed_range)
    out = audio
    if abs(speed - 1.0) > 1e-3:
        out = librosa.resample(audio, orig_sr=round(rate * speed), target_sr=rate,
                               res_type="soxr_qq")
    if f.noise_snr_db:
        power = float(np.mean(out**2)) + 1e-12
        snr = rng.uniform(*f.noise_snr_db)
        out = out + rng.normal(0.0, np.sqrt(power / 10 ** (snr / 10)), out.shape)
    return out.astype("float32")


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
