"""Speech ingest: FSDD from the data home, a folder of wavs, or TFDS speech_commands.

Every wav is decoded to mono float32 and resampled to `featurize.sample_rate` (counted).
A corrupt or empty wav is skipped and listed in `SpeechRaw.bad`; the run fails, before
any training, only when more than `data.max_bad_fraction` of the files are bad.
"""

from __future__ import annotations

import hashlib
import logging
import tarfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from pipelines.core import datahome
from pipelines.core.errors import ConfigError
from pipelines.core.types import Provenance
from pipelines.speech import tfds_source
from pipelines.speech.audio import BadAudio, SpeechDataError, load
from pipelines.speech.config import SOURCES, SpeechConfig
from pipelines.speech.raw import Clip, SpeechRaw, parse_fsdd_name

__all__ = ["SOURCES", "SpeechDataError", "ingest"]

FSDD_FILE = "free_spoken_digit/fsdd_recordings.tar.gz"
FSDD_SOURCE = ("Free Spoken Digit Dataset, github.com/Jakobovski/free-spoken-digit-dataset "
               "(CC BY-SA 4.0): a tar.gz of recordings/{digit}_{speaker}_{index}.wav")
log = logging.getLogger(__name__)


def ingest(cfg: SpeechConfig) -> SpeechRaw:
    source = (cfg.data.source or "").strip()
    if source == "fsdd":
        return _fsdd(cfg)
    if source.startswith("folder:"):
        return _folder(cfg, Path(source.removeprefix("folder:")).expanduser())
    if source.startswith("tfds:"):
        return tfds_source.load(cfg, source.removeprefix("tfds:"))
    raise ConfigError(f"data.source={source!r} is not a speech source. Choose one of: "
                      f"{', '.join(SOURCES)}.")


def _fsdd(cfg: SpeechConfig) -> SpeechRaw:
    path = datahome.require_file(FSDD_FILE, FSDD_SOURCE)
    with tarfile.open(path) as archive:
        members = [m for m in archive.getmembers()
                   if m.isfile() and parse_fsdd_name(Path(m.name).name)]
        members = _subset(sorted(members, key=lambda m: m.name), cfg)
        items = ((m.name, archive.extractfile(m).read()) for m in members)
        clips, bad, resampled = decode_all(items, len(members), cfg, "fsdd")
    for clip in clips:
        clip.label, clip.speaker, clip.index = parse_fsdd_name(Path(clip.name).name)
        clip.split = "test" if clip.index < 5 else "train"  # the dataset README's split
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return _raw(clips, bad, resampled, Provenance("fsdd", str(path), sha, len(clips)), cfg)


def _folder(cfg: SpeechConfig, root: Path) -> SpeechRaw:
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a folder"
        raise SpeechDataError(f"data.source=folder:{root}: {root} {what}; expected a folder "
                              "of <label>/<file>.wav.")
    try:
        files = sorted(p for d in root.iterdir() if d.is_dir() for p in d.glob("*.wav"))
    except OSError as exc:
        raise SpeechDataError(f"Cannot read the folder {root}: {exc.strerror or exc}.") from exc
    if not files:
        raise SpeechDataError(f"No wavs in {root}: expected <label>/<file>.wav (one sub-folder "
                              "per class, e.g. yes/clip1.wav).")
    files = _subset(files, cfg)
    clips, bad, resampled = decode_all(((str(p), p) for p in files), len(files), cfg, str(root))
    for clip in clips:
        path = Path(clip.name)
        clip.label = path.parent.name
        parsed = parse_fsdd_name(path.name)
        if parsed:
            _, clip.speaker, clip.index = parsed
    return _raw(clips, bad, resampled, Provenance("folder", str(root), "", len(clips)), cfg)


def _subset(items: list, cfg: SpeechConfig) -> list:
    n = cfg.data.max_files
    if n is None or n >= len(items):
        return items
    keep = np.random.default_rng(cfg.data.seed).choice(len(items), n, replace=False)
    return [items[i] for i in sorted(keep)]


def decode_all(items: Iterable[tuple[str, bytes | Path]], total: int, cfg: SpeechConfig,
               where: str) -> tuple[list[Clip], list[str], int]:
    """Decode `(name, bytes-or-path)` pairs in parallel threads, with a progress bar."""
    rate = cfg.featurize.sample_rate

    def one(item):
        name, data = item
        try:
            samples, changed = load(data, name, rate)
        except BadAudio as exc:
            return str(exc)
        return Clip(name, samples, label=""), changed

    clips, bad, resampled = [], [], 0
    with ThreadPoolExecutor(max(1, cfg.data.workers)) as pool:
        results = pool.map(one, items)  # the archive is read in order; threads decode
        for result in tqdm(results, total=total, desc=f"reading {where}", unit="wav",
                           disable=None, leave=False):
            if isinstance(result, str):
                bad.append(result)
            else:
                clips.append(result[0])
                resampled += result[1]
    _check_bad(bad, total, cfg, where)
    return clips, bad, resampled


def _check_bad(bad: list[str], total: int, cfg: SpeechConfig, where: str) -> None:
    if not bad:
        return
    listed = "; ".join(bad[:10]) + (f"; ... and {len(bad) - 10} more" if len(bad) > 10 else "")
    if total == 0 or len(bad) / total > cfg.data.max_bad_fraction:
        raise SpeechDataError(
            f"{len(bad)} of {total} wavs in {where} are bad, more than data.max_bad_fraction = "
            f"{cfg.data.max_bad_fraction:g}: {listed}."
        )
    log.warning("Skipped %d bad wav(s) of %d in %s: %s", len(bad), total, where, listed)


CLIP_SCHEMA = {"audio": "object", "label": "object", "speaker": "object"}


def _raw(clips, bad, resampled, provenance, cfg) -> SpeechRaw:
    provenance.schema = provenance.schema or dict(CLIP_SCHEMA)
    if resampled:
        log.warning("Resampled %d wav(s) to %d Hz.", resampled, cfg.featurize.sample_rate)
    return SpeechRaw(clips, provenance, cfg.featurize.sample_rate, bad, resampled)
