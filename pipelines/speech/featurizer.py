"""The log-mel featurizer: settings + train statistics, saved as JSON beside the model.

Plain NumPy and librosa, so a raw wav becomes model input with no TensorFlow::

    waveform --trim silence (`sample_trim`, at every sample: any length of silence
               around a clip gives the same cut)-->
             --still longer than `locate_samples` (a long recording with the word
               inside): its loudest stretch of that length, trimmed again-->
             --log-mel [T, n_mels] (25 ms window, 10 ms hop)-->
             --floored `floor_db` below the clip's loudest bin-->
             --optional DCT: the first `cepstra` coefficients (MFCCs)-->
             --per-utterance mean (and std) removed-->
             --optional deltas appended-->
             --per-channel (mean, std) fitted on the training split--> model frames

Floor: `L_tm = ln max(P_tm, max_{t'm'} P_t'm' · 10^(-floor_db / 10))` of the mel power
`P`: what lies more than `floor_db` below the clip's loudest bin (room noise, hiss,
digital silence: each recording has its own) becomes one level. It raises the absolute
`LOG_FLOOR` that keeps the logarithm finite.

Cepstra: `c_k = Σ_m log-mel_m cos(π k (m + ½) / M)` (orthonormal DCT-II), k < K: the
smooth spectral envelope (vocal tract: what is said) without the fine pitch harmonics
(who says it). Deltas (order 1, 2): `d_t = Σ_{n=1..2} n (c_{t+n} - c_{t-n}) / 10`,
edge frames repeated, the frame-to-frame motion of each channel.

An all-zero frame means padding to the model (it is masked), so a real frame that
happens to be all zeros is nudged off zero.

`segment` (trim + locate) is the one cut that training (`featurize`) and serving both
make. Format 1 (and untagged) files predate the sample-level trim and the locating:
they load with `trim_samples=False, locate_samples=None` and keep cutting silence at
frame boundaries and long clips at `max_frames`, as their models were trained. Format 2
files predate the floor and load with `floor_db=None`; formats 1-3 predate test-time
copies and load with `test_time_copies=0`.

Test-time augmentation: `versions` gives the clip's frames and those of
`test_time_copies` perturbed copies (`augment.Perturbation`, the training copies'
settings, saved here as `augmentation`), drawn from a generator seeded `TEST_TIME_SEED`
afresh for every clip, so the same K perturbations meet every clip and an answer
depends on the clip alone. The model's probability is their mean:
`p(y | x) = (1 / (K + 1)) Σ_{k=0..K} p(y | x_k)`, `x_0` the clip itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np

from pipelines.core.state import JsonState
from pipelines.speech.augment import Perturbation, augmented_frames, warp_spectrum
from pipelines.speech.config import FeaturizeConfig

LOG_FLOOR = 1e-10
TEST_TIME_SEED = 0


@dataclass
class LogMelFeaturizer(JsonState):
    """Waveform -> log-mel (or MFCC, + deltas) frames, normalised; saved as JSON."""

    FORMAT: ClassVar[str] = "rnnkit-speech-featurizer/4"
    OLDER_FORMATS: ClassVar[tuple[str, ...]] = ("rnnkit-speech-featurizer/1",
                                                "rnnkit-speech-featurizer/2",
                                                "rnnkit-speech-featurizer/3")
    UNTAGGED_OK: ClassVar[bool] = True  # saved without a tag before 2026-12

    sample_rate: int = 8000
    n_mels: int = 40
    win_length: int = 200
    hop_length: int = 80
    n_fft: int = 256
    fmin: float = 20.0
    fmax: float | None = None
    trim_db: float | None = 30.0
    trim_samples: bool = False  # format 1: silence cut at frame boundaries only
    locate_samples: int | None = None  # format 1: long clips cut at max_frames
    floor_db: float | None = None  # formats 1 and 2: no floor
    utterance_norm: str = "mean"
    max_frames: int = 300
    cepstra: int | None = None
    deltas: int = 0
    test_time_copies: int = 0  # formats 1-3: the clip alone
    augmentation: dict = field(default_factory=dict)  # augment.Perturbation of the copies
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
            trim_samples=True,
            locate_samples=None if f.locate_ms is None else round(f.sample_rate * f.locate_ms
                                                                  / 1000),
            floor_db=f.floor_db, utterance_norm=f.utterance_norm, max_frames=f.max_frames,
            cepstra=f.cepstra, deltas=f.deltas, test_time_copies=f.test_time_copies,
            augmentation=Perturbation.from_config(f).to_dict(), labels=list(labels),
        )

    @property
    def n_features(self) -> int:
        """Values per model frame (the RNN's input size)."""
        return (self.cepstra or self.n_mels) * (1 + self.deltas)

    # --- waveform -> frames ----------------------------------------------------------
    def segment(self, audio: np.ndarray) -> np.ndarray:
        """The spoken part of a clip, as training and serving both cut it: `trim`, and
        when still longer than `locate_samples`, `locate` then `trim` again."""
        audio = self.trim(np.asarray(audio, dtype="float32"))
        if self.locate_samples is None or len(audio) <= self.locate_samples:
            return audio
        return self.trim(self.locate(audio))

    def trim(self, audio: np.ndarray) -> np.ndarray:
        """Cut leading and trailing silence (kept whole if that leaves under a window):
        `sample_trim` with `trim_samples`, else librosa's trim (frames of `n_fft`
        samples every hop, more than `trim_db` below the loudest, cut at frame centres,
        so a clip's cut moved with the frame grid: format 1)."""
        if self.trim_db is None:
            return audio
        if self.trim_samples:
            trimmed = sample_trim(audio, self.trim_db, self.n_fft)
        else:
            import librosa

            trimmed, _ = librosa.effects.trim(audio, top_db=self.trim_db,
                                              frame_length=self.n_fft,
                                              hop_length=self.hop_length)
        return trimmed if len(trimmed) >= self.win_length else audio

    def locate(self, audio: np.ndarray) -> np.ndarray:
        """The loudest `locate_samples` of a longer clip: of the windows starting on a hop
        (and the last one), the one of highest energy `Σ x²` (the first on a tie)."""
        size = self.locate_samples
        if size is None or len(audio) <= size:
            return audio
        energy = np.concatenate([[0.0], np.cumsum(np.square(audio, dtype="float64"))])
        starts = np.append(np.arange(0, len(audio) - size + 1, self.hop_length),
                           len(audio) - size)
        best = int(starts[np.argmax(energy[starts + size] - energy[starts])])
        return audio[best : best + size]

    def logmel(self, audio: np.ndarray, trimmed: bool = False, warp: float = 1.0) -> np.ndarray:
        """Frames `[T, n_features]` before train statistics: `from_logmel` of the
        waveform's log-mel (its spectrum warped by `warp` first: `augment.warp_spectrum`,
        training copies only)."""
        return self.from_logmel(self.raw_logmel(audio, trimmed, warp))

    def from_logmel(self, raw: np.ndarray) -> np.ndarray:
        """Raw log-mel `[T, n_mels]` -> (cepstra) -> utterance norm -> (+ deltas)."""
        frames = self.utterance(cepstrum(raw, self.cepstra) if self.cepstra else raw)
        if self.deltas:
            orders = [frames]
            for _ in range(self.deltas):
                orders.append(delta(orders[-1]))
            frames = np.concatenate(orders, axis=1)
        return frames.astype("float32")

    def raw_logmel(self, audio: np.ndarray, trimmed: bool = False,
                   warp: float = 1.0) -> np.ndarray:
        """Log-mel frames `[T, n_mels]` of `segment(audio)` (of `audio` itself when
        `trimmed`: already segmented), floored at `floor_db` below their loudest bin,
        before any normalisation."""
        import librosa

        audio = np.asarray(audio, dtype="float32")
        if not trimmed:
            audio = self.segment(audio)
        settings = {"sr": self.sample_rate, "n_fft": self.n_fft, "win_length": self.win_length,
                    "hop_length": self.hop_length, "n_mels": self.n_mels, "fmin": self.fmin,
                    "fmax": self.fmax, "power": 2.0}
        if warp == 1.0:
            mel = librosa.feature.melspectrogram(y=audio, **settings)
        else:
            power = np.abs(librosa.stft(audio, n_fft=self.n_fft, hop_length=self.hop_length,
                                        win_length=self.win_length)) ** 2
            mel = librosa.feature.melspectrogram(S=warp_spectrum(power, warp), **settings)
        mel = mel.T[: self.max_frames]
        floor = LOG_FLOOR
        if self.floor_db is not None and mel.size:  # relative to the loudest bin
            floor = max(LOG_FLOOR, float(mel.max()) * 10 ** (-self.floor_db / 10))
        return np.log(np.maximum(mel, floor)).astype("float32")

    def test_time_copies_of(self, audio: np.ndarray) -> list[np.ndarray]:
        """Frames (before train statistics) of the `test_time_copies` perturbed copies of
        a segmented clip, the same K perturbations for every clip (`TEST_TIME_SEED`)."""
        if not self.test_time_copies:
            return []
        rng = np.random.default_rng(TEST_TIME_SEED)
        settings = Perturbation(**self.augmentation)
        return [augmented_frames(self, audio, settings, rng)
                for _ in range(self.test_time_copies)]

    def versions(self, audio: np.ndarray) -> list[np.ndarray]:
        """Model frames of one waveform (`transform`'s) and of its test-time copies: the
        inputs whose probabilities the served model averages."""
        if not self.mean:
            raise RuntimeError("LogMelFeaturizer.fit() must run before versions().")
        audio = self.segment(np.asarray(audio, dtype="float32"))
        frames = [self.logmel(audio, trimmed=True), *self.test_time_copies_of(audio)]
        return [self.normalize(f) for f in frames]

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

    # --- persistence (JsonState: save, load) ------------------------------------------
    @classmethod
    def checked(cls, data: dict) -> dict:
        """Format 4, or an older one (its missing settings take their old defaults)."""
        return data if data.get("format") in cls.OLDER_FORMATS else super().checked(data)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> LogMelFeaturizer:
        return cls(**data)


def sample_trim(audio: np.ndarray, top_db: float, width: int) -> np.ndarray:
    """`audio` from its first to its last loud sample, found at every sample (no frame
    grid), so silence of any length before or after a clip gives the very same cut.

    The energy `Σ x²` of the `width` samples centred on each sample (zeros outside the
    clip) marks the voiced stretch: from the first to the last sample whose energy is
    within `top_db` of the highest; inside it, the cut moves in to the first and last
    sample whose amplitude is within `top_db` of the peak. An isolated click in the
    silence is too short to lift its window's energy, so it is never the edge.
    """
    audio = np.asarray(audio)
    n = len(audio)
    total = np.concatenate([[0.0], np.cumsum(np.square(audio, dtype="float64"))])
    at = np.arange(n)
    energy = total[np.minimum(at + width - width // 2, n)] - total[np.maximum(at - width // 2, 0)]
    voiced = np.flatnonzero(energy > energy.max() * 10 ** (-top_db / 10))
    if not len(voiced):  # all zeros
        return audio[:0]
    stretch = audio[voiced[0] : voiced[-1] + 1]
    level = np.abs(stretch)
    loud = np.flatnonzero(level > np.abs(audio).max() * 10 ** (-top_db / 20))
    return stretch[loud[0] : loud[-1] + 1]


def cepstrum(log_mel: np.ndarray, count: int) -> np.ndarray:
    """The first `count` orthonormal DCT-II coefficients of each frame `[T, n_mels]`."""
    n_mels = log_mel.shape[1]
    if not 0 < count <= n_mels:
        raise ValueError(f"cepstra must be in 1..n_mels={n_mels}. Received: cepstra={count}")
    k, m = np.arange(count)[:, None], np.arange(n_mels)[None, :]
    basis = np.sqrt(2.0 / n_mels) * np.cos(np.pi * k * (m + 0.5) / n_mels)
    basis[0] /= np.sqrt(2.0)
    return (log_mel @ basis.T).astype("float32")


def delta(frames: np.ndarray, width: int = 2) -> np.ndarray:
    """Regression slope over ±`width` frames, edge frames repeated: `[T, C]` -> `[T, C]`."""
    padded = np.pad(frames, ((width, width), (0, 0)), mode="edge")
    steps = len(frames)
    num = sum(n * (padded[width + n : width + n + steps] - padded[width - n : width - n + steps])
              for n in range(1, width + 1))
    return (num / (2 * sum(n * n for n in range(1, width + 1)))).astype("float32")
