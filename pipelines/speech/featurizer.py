"""The log-mel featurizer: settings + train statistics, saved as JSON beside the model.

Plain NumPy and librosa, so a raw wav becomes model input with no TensorFlow::

    waveform --trim silence--> log-mel [T, n_mels] (25 ms window, 10 ms hop)
             --per-utterance mean (and std) removed-->
             --per-channel (mean, std) fitted on the training split--> model frames

An all-zero frame means padding to the model (it is masked), so a real frame that
happens to be all zeros is nudged off zero.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from pipelines.speech.config import FeaturizeConfig

LOG_FLOOR = 1e-10


@dataclass
class LogMelFeaturizer:
    sample_rate: int = 8000
    n_mels: int = 40
    win_length: int = 200
    hop_length: int = 80
    n_fft: int = 256
    fmin: float = 20.0
    fmax: float | None = None
    trim_db: float | None = 30.0
    utterance_norm: str = "mean"
    max_frames: int = 300
    labels: list[str] = field(default_factory=list)
    mean: list[float] = field(default_factory=list)
    std: list[float] = field(default_factory=list)

    @classmethod
    def from_config(cls, f: FeaturizeConfig, labels: list[str]) -> LogMelFeaturizer:
        win = round(f.sample_rate * f.window_ms / 1000)
        return cls(
            sample_rate=f.sample_rate, n_mels=f.n_mels, win_length=win,
            hop_length=round(f.sample_rate * f.hop_ms / 1000),
            n_fft=1 << (win - 1).bit_length(), fmin=f.fmin, fmax=f.fmax, trim_db=f.trim_db,
            utterance_norm=f.utterance_norm, max_frames=f.max_frames, labels=list(labels),
        )

    # --- waveform -> frames ----------------------------------------------------------
    def trim(self, audio: np.ndarray) -> np.ndarray:
        """Cut leading and trailing silence (kept whole if that leaves under a window)."""
        if self.trim_db is None:
            return audio
        import librosa

        trimmed, _ = librosa.effects.trim(audio, top_db=self.trim_db,
                                          frame_length=self.n_fft, hop_length=self.hop_length)
        return trimmed if len(trimmed) >= self.win_length else audio

    def logmel(self, audio: np.ndarray, trimmed: bool = False) -> np.ndarray:
        """Utterance-normalised log-mel frames `[T, n_mels]` (no train statistics)."""
        return self.utterance(self.raw_logmel(audio, trimmed))

    def raw_logmel(self, audio: np.ndarray, trimmed: bool = False) -> np.ndarray:
        """Log-mel frames `[T, n_mels]` as computed, before any normalisation."""
        import librosa

        audio = np.asarray(audio, dtype="float32")
        if not trimmed:
            audio = self.trim(audio)
        mel = librosa.feature.melspectrogram(
            y=audio, sr=self.sample_rate, n_fft=self.n_fft, win_length=self.win_length,
            hop_length=self.hop_length, n_mels=self.n_mels, fmin=self.fmin, fmax=self.fmax,
            power=2.0,
        )
        return np.log(np.maximum(mel, LOG_FLOOR)).T[: self.max_frames].astype("float32")

    def utterance(self, frames: np.ndarray) -> np.ndarray:
        """Remove the clip's own mean (and std) per channel, as `utterance_norm` says."""
        if self.utterance_norm in ("mean", "meanvar"):
            frames = frames - frames.mean(axis=0, keepdims=True)
        if self.utterance_norm == "meanvar":
            frames = frames / (frames.std(axis=0, keepdims=True) + 1e-5)
        return frames.astype("float32")

    def fit(self, frames: list[np.ndarray]) -> LogMelFeaturizer:
        """Per-channel mean and std over every frame of the training clips."""
        stacked = np.concatenate(frames, axis=0).astype("float64")
        std = stacked.std(axis=0)
        std[std < 1e-8] = 1.0
        self.mean, self.std = stacked.mean(axis=0).tolist(), std.tolist()
        return self

    def normalize(self, frames: np.ndarray) -> np.ndarray:
        out = ((frames - np.asarray(self.mean)) / np.asarray(self.std)).astype("float32")
        out[~out.any(axis=1)] = 1e-6  # an all-zero frame would read as padding
        return out

    def transform(self, audio: np.ndarray) -> np.ndarray:
        """Model frames `[T, n_mels]` of one waveform at `sample_rate`."""
        if not self.mean:
            raise RuntimeError("LogMelFeaturizer.fit() must run before transform().")
        return self.normalize(self.logmel(audio))

    # --- persistence -----------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path) -> LogMelFeaturizer:
        return cls(**json.loads(Path(path).read_text()))
