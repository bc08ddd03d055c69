"""Reading wavs: bytes or a path -> mono float32 at the declared sample rate.

Plain NumPy, soundfile and librosa (no TensorFlow), shared by ingest and serving. Any
format libsndfile reads (WAV: 8/16/24/32-bit PCM, 32/64-bit float), mono or several
channels (averaged), at any rate (resampled with soxr). Prediction also refuses a clip
outside `MIN_RATE`..`MAX_RATE` or over `MAX_SECONDS`, with a message saying which.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile

from pipelines.core.errors import RnnkitUserError

MIN_RATE, MAX_RATE = 8_000, 48_000  # Hz a clip to predict may have
MAX_SECONDS = 10.0  # the longest clip to predict (its word is located inside)


class SpeechDataError(RnnkitUserError):
    """Audio or a dataset layout that cannot become training or prediction input."""


class BadAudio(Exception):
    """One wav that cannot be used (corrupt, empty); ingest skips and lists it."""


def decode(data: bytes | str | Path, name: str) -> tuple[np.ndarray, int]:
    """Decode a wav (bytes or a path) to mono float32 samples and its sample rate.

    Raises:
        BadAudio: unreadable, not audio, or holding no samples.
    """
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
        samples, rate = soundfile.read(source, dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile's errors are plain RuntimeErrors / LibsndfileError
        raise BadAudio(f"{name}: not a readable audio file ({exc})") from None
    if samples.size == 0:
        raise BadAudio(f"{name}: empty (no samples)")
    mono = samples.mean(axis=1)
    if not np.all(np.isfinite(mono)):
        raise BadAudio(f"{name}: holds NaN or infinite samples")
    return mono, int(rate)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """`samples` at `target` Hz (soxr through librosa); unchanged when rates agree."""
    if rate == target:
        return samples
    import librosa

    return librosa.resample(samples, orig_sr=rate, target_sr=target).astype("float32")


def load(data: bytes | str | Path, name: str, target_rate: int) -> tuple[np.ndarray, bool]:
    """Decoded, mono, resampled samples, and whether a resampling happened."""
    samples, rate = decode(data, name)
    return resample(samples, rate, target_rate), rate != target_rate


def check_clip(frames: int, rate: int) -> None:
    """A `SpeechDataError` when a clip to predict has a sample rate outside
    `MIN_RATE`..`MAX_RATE` Hz or lasts over `MAX_SECONDS`."""
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SpeechDataError(f"sample rate {rate:,} Hz is outside {MIN_RATE:,}-{MAX_RATE:,} Hz; "
                              "resample the recording into that range.")
    if frames > MAX_SECONDS * rate:
        raise SpeechDataError(f"{frames / rate:.1f} s long, over the {MAX_SECONDS:g} s limit; "
                              "cut the recording around the spoken word.")


def load_for_prediction(path: str, target_rate: int) -> np.ndarray:
    """A user's wav for `predict`: a missing, bad, too long or oddly sampled file is a
    `SpeechDataError` (its length and rate are read from the header, before decoding)."""
    file = Path(path)
    if not file.is_file():
        raise SpeechDataError(f"Audio file not found: {path} (give the path of a .wav file).")
    try:
        info = soundfile.info(str(file))
    except Exception as exc:  # as in `decode`
        raise SpeechDataError(f"Cannot use {path}: not a readable audio file ({exc}).") from None
    check_clip(max(int(info.frames), 0), int(info.samplerate))
    try:
        samples, rate = decode(file, path)
    except BadAudio as exc:
        raise SpeechDataError(f"Cannot use {exc}.") from None
    check_clip(len(samples), rate)
    return resample(samples, rate, target_rate)
