"""Sentiment ingest: labelled texts from IMDB or a user's CSV, checked, split train/test.

``ingest(cfg)`` reads ``cfg.data.source`` (see ``SOURCES``). Every problem -- an empty
file, a missing column, an empty or non-text review, an empty label, a label outside
``data.labels`` -- raises ``SentimentDataError`` naming the file, the line (the header
is line 1) and the column, before any training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.core.datahome import require_file
from pipelines.core.errors import ConfigError, DataMissingError
from pipelines.core.types import Provenance
from pipelines.sentiment.config import SOURCES, SentimentConfig
from pipelines.sentiment.reading import (
    SentimentDataError,
    check_labels,
    file_sha256,
    line_of,
    read_texts,
)

__all__ = ["SOURCES", "SentimentDataError", "SentimentRaw", "ingest"]

IMDB_FILE = "imdb_reviews/imdb_reviews.csv.gz"
IMDB_SOURCE = ("IMDB Large Movie Review Dataset v1.0 (Maas et al., ACL 2011), "
               "https://ai.stanford.edu/~amaas/data/sentiment/ or TFDS 'imdb_reviews'; "
               "expected as gzip CSV with columns split,id,label,rating,text")
IMDB_LABELS = ["negative", "positive"]


@dataclass
class SentimentRaw:
    """Checked texts with class ids and their split.

    Args:
        frame: Columns ``text`` (str), ``label`` (int class id), ``split`` (``train``
            or ``test``), in file order (subsets keep it).
        labels: Class names, index = class id.
        provenance: Where the texts came from.
        dataset: Name for reports: ``imdb`` or the csv file's name.
    """

    frame: pd.DataFrame
    labels: list[str]
    provenance: Provenance
    dataset: str


def ingest(cfg: SentimentConfig) -> SentimentRaw:
    source = (cfg.data.source or "").strip()
    if source == "imdb":
        return _imdb(cfg)
    if source.startswith("csv:"):
        return _user_csv(cfg, source)
    raise ConfigError(
        f"data.source={source!r} is not a sentiment source. Choose one of: "
        f"{', '.join(SOURCES)}.")


def _imdb(cfg: SentimentConfig) -> SentimentRaw:
    path = require_file(IMDB_FILE, IMDB_SOURCE)
    frame = read_texts(path, "text", "label", extra=("split",))
    check_labels(frame["label"], ["0", "1"], path, str(path), "label")
    _check_splits(frame, path, "split")
    raw = pd.DataFrame({"text": frame["text"], "label": frame["label"].astype(int),
                        "split": frame["split"]})
    return _finish(cfg, raw, IMDB_LABELS, path, "imdb")


def _user_csv(cfg: SentimentConfig, source: str) -> SentimentRaw:
    data = cfg.data
    text = source.removeprefix("csv:").strip()
    if not text:
        raise ConfigError("data.source=csv:PATH needs a path, e.g. csv:data/reviews.csv.")
    path = Path(text).expanduser()
    if not path.is_file():
        raise DataMissingError(f"CSV file not found: {path.resolve()} (from data.source).")
    extra = (data.split_column,) if data.split_column else ()
    frame = read_texts(path, data.text_column, data.label_column, extra=extra)
    values = frame[data.label_column].str.strip()
    names = check_labels(values, data.labels, path, str(path), data.label_column)
    ids = values.map({name: i for i, name in enumerate(names)}).astype(int)
    if data.split_column:
        _check_splits(frame, path, data.split_column)
        split = frame[data.split_column].str.strip().str.lower()
    else:
        split = _stratified_split(ids.to_numpy(), cfg.featurize.test_fraction, cfg.train.seed)
    raw = pd.DataFrame({"text": frame[data.text_column], "label": ids, "split": split})
    return _finish(cfg, raw, names, path, path.name.split(".")[0] or "csv")


def _check_splits(frame: pd.DataFrame, path: Path, column: str) -> None:
    split = frame[column].str.strip().str.lower()
    bad = ~split.isin(["train", "test"])
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise SentimentDataError(
            f"{path}, line {line_of(path, row)}, column '{column}': expected 'train' or "
            f"'test', found {frame[column].iloc[row]!r}.")
    for name in ("train", "test"):
        if not (split == name).any():
            raise SentimentDataError(f"{path}, column '{column}': no '{name}' rows.")


def _stratified_split(ids: np.ndarray, test_fraction: float, seed: int) -> np.ndarray:
    """``train``/``test`` per row, holding out ``test_fraction`` of each class."""
    rng = np.random.default_rng(seed)
    split = np.full(len(ids), "train", dtype=object)
    for label in np.unique(ids):
        rows = rng.permutation(np.flatnonzero(ids == label))
        split[rows[: int(round(len(rows) * test_fraction))]] = "test"
    if not (split == "test").any() or not (split == "train").any():
        raise SentimentDataError(
            f"{len(ids)} rows are too few to hold out featurize.test_fraction={test_fraction}.")
    return split


def _finish(cfg, raw: pd.DataFrame, labels, path: Path, dataset: str) -> SentimentRaw:
    """Apply ``data.max_train``/``max_test`` (random, seeded; file order kept)."""
    rng = np.random.default_rng(cfg.train.seed)
    keep = []
    for name, limit in (("train", cfg.data.max_train), ("test", cfg.data.max_test)):
        rows = np.flatnonzero((raw["split"] == name).to_numpy())
        if limit is not None and limit < len(rows):
            rows = np.sort(rng.choice(rows, size=limit, replace=False))
        keep.append(rows)
    raw = raw.iloc[np.concatenate(keep)].reset_index(drop=True)
    provenance = Provenance(source=cfg.data.source, path=str(path.resolve()),
                            sha256=file_sha256(path), rows=len(raw),
                            schema={str(c): str(raw[c].dtype) for c in raw.columns})
    return SentimentRaw(raw, list(labels), provenance, dataset)
