"""Translate ingest: sentence pairs from an Anki/Tatoeba pair file, checked, oriented.

A pair file holds one pair a line, ``first<TAB>second`` (a third column, the
attribution of newer manythings.org releases, is ignored). Blank lines are skipped.
A line without a tab, with an empty side, or bytes that are not UTF-8 raise
``TranslateDataError`` naming the file and the line number, before any training.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.core.datahome import dataset_path
from pipelines.core.errors import ConfigError, DataMissingError, RnnkitUserError
from pipelines.core.mapped import Texts, TextsWriter
from pipelines.core.types import Provenance
from pipelines.translate.config import SOURCES, TranslateConfig


class TranslateDataError(RnnkitUserError):
    """A pair file is malformed (the message names the file and the line)."""


@dataclass(frozen=True)
class PairSource:
    """A packaged pair file: where it lives in the data home and where it comes from."""

    relative_path: str
    languages: tuple[str, str]
    url: str
    member: str
    description: str


PAIR_SOURCES = {
    "anki_spa_eng": PairSource(
        "anki_spa_eng/spa.txt", ("en", "es"),
        "https://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip", "spa.txt",
        "Anki/Tatoeba English-Spanish pairs (manythings.org/anki, CC-BY 2.0), the spa-eng.zip "
        "of TensorFlow's 'neural machine translation with attention' tutorial"),
    "anki_fra_eng": PairSource(
        "anki_fra_eng/fra.txt", ("en", "fr"),
        "https://storage.googleapis.com/download.tensorflow.org/data/fra-eng.zip", "fra.txt",
        "Anki/Tatoeba English-French pairs (manythings.org/anki, CC-BY 2.0), the fra-eng.zip "
        "of Keras's lstm_seq2seq example"),
}


@dataclass
class TranslateRaw:
    """Checked pairs, oriented source -> target, in file order (subsets keep it)."""

    sources: Texts  # a Sequence[str], memory-mapped (pipelines.core.mapped)
    targets: Texts
    direction: str
    provenance: Provenance
    dataset: str


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """The ``(first, second)`` pairs of a pair file (see the module doc for the checks)."""
    return list(iter_pairs(path))


def iter_pairs(path: Path) -> Iterator[tuple[str, str]]:
    """``read_pairs`` one pair at a time, keeping no line once it is passed on."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranslateDataError(f"Cannot read pair file {path}: {exc.strerror or exc}.") from exc
    found = False
    for number, raw_line in enumerate(io.BytesIO(data), start=1):
        try:
            line = raw_line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise TranslateDataError(
                f"{path}, line {number}: not UTF-8 text (byte {raw_line[exc.start]:#04x}). "
                "Save the file as UTF-8.") from exc
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise TranslateDataError(
                f"{path}, line {number}: expected two sentences separated by a tab "
                f"('first<TAB>second'), found no tab in {line[:80]!r}.")
        first, second = fields[0].strip(), fields[1].strip()
        if not first or not second:
            side = "first" if not first else "second"
            raise TranslateDataError(f"{path}, line {number}: the {side} sentence is empty.")
        found = True
        yield first, second
    if not found:
        raise TranslateDataError(f"{path} holds no sentence pairs.")


def ingest(cfg: TranslateConfig) -> TranslateRaw:
    path, languages, dataset = _locate(cfg)
    forward, direction = _orientation(cfg.data.direction, languages)
    first, second = TextsWriter(), TextsWriter()
    limit = cfg.data.max_words
    for a, b in iter_pairs(path):  # one pair at a time into two mapped buffers
        if limit is None or max(a.count(" "), b.count(" ")) < limit:
            first.add(a)
            second.add(b)
    if not len(first):
        raise ConfigError(f"No pair of {path} has at most data.max_words={limit} words.")
    sides = first.finish(), second.finish()
    n = len(sides[0])
    if cfg.data.max_pairs is not None and cfg.data.max_pairs < n:
        rng = np.random.default_rng(cfg.train.seed)
        keep = np.sort(rng.choice(n, size=cfg.data.max_pairs, replace=False))
        sides = tuple(side.take(keep) for side in sides)
    sources, targets = sides if forward else sides[::-1]
    provenance = Provenance(source=cfg.data.source, path=str(path.resolve()),
                            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                            rows=len(sources), schema={"source": "string", "target": "string"})
    return TranslateRaw(sources, targets, direction, provenance, dataset)


def _locate(cfg: TranslateConfig) -> tuple[Path, tuple[str, str], str]:
    source = (cfg.data.source or "").strip()
    if source.startswith("file:"):
        path = Path(source.removeprefix("file:").strip()).expanduser()
        if not path.is_file():
            raise DataMissingError(f"Pair file not found: {path.resolve()} (from data.source).")
        if len(cfg.data.languages) != 2:
            raise ConfigError(f"data.languages must name the file's two columns, e.g. "
                              f"[en, es]. Received: {cfg.data.languages}.")
        return path, tuple(cfg.data.languages), path.stem
    if source not in PAIR_SOURCES:
        raise ConfigError(f"data.source={source!r} is not a translate source. Choose one of: "
                          f"{', '.join(SOURCES)}.")
    spec = PAIR_SOURCES[source]
    return require_pair_file(spec), spec.languages, source


def _orientation(direction: str, languages) -> tuple[bool, str]:
    first, second = languages
    if direction == f"{first}-{second}":
        return True, direction
    if direction == f"{second}-{first}":
        return False, direction
    raise ConfigError(f"data.direction={direction!r} does not fit this pair file, whose "
                      f"columns are {first} and {second}: use {first}-{second} or "
                      f"{second}-{first}.")


def require_pair_file(spec: PairSource) -> Path:
    """The pair file in the data home, downloaded (zip, then the member) if missing."""
    target = dataset_path(spec.relative_path)
    if target.is_file():
        return target
    import keras  # only when a download is needed

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        try:
            archive = keras.utils.get_file(fname=Path(spec.url).name, origin=spec.url,
                                           cache_dir=tmp, cache_subdir=tmp)
            with zipfile.ZipFile(archive) as zipped:
                member = next(n for n in zipped.namelist()
                              if Path(n).name == spec.member)
                with zipped.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        except Exception as exc:  # network, a broken archive, a missing member: one story
            target.unlink(missing_ok=True)
            raise DataMissingError(
                f"Pair file not found: {target}, and fetching it from {spec.url} failed "
                f"({type(exc).__name__}: {exc}). Source: {spec.description}. Put the file "
                f"there by hand, or point $RNNKIT_DATA_HOME at a folder holding "
                f"{spec.relative_path}.") from exc
    return target
