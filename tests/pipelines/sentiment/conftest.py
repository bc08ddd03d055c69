"""Fixtures of the sentiment tests: tiny labelled CSVs, configs, a temporary MLflow store."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pytest

from pipelines.core.config import build_config
from pipelines.sentiment.config import SentimentConfig

DATA_HOME = Path(os.environ.get("RNNKIT_DATA_HOME", "data/raw"))
IMDB = DATA_HOME / "imdb_reviews" / "imdb_reviews.csv.gz"

GOOD = ["a wonderful film, I loved it", "great acting and a great story",
        "brilliant, moving and funny", "the best film of the year!"]
BAD = ["a dull film, I hated it", "awful acting and a boring story",
       "terrible, slow and stupid", "the worst film of the year!"]


@pytest.fixture
def write_csv(tmp_path):
    """Write ``rows`` (lists) under ``header`` to a CSV (``.gz`` when the name says so)."""

    def _write(rows, header=("text", "label"), name="reviews.csv") -> Path:
        path = tmp_path / name
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "wt", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            if header is not None:
                writer.writerow(header)
            writer.writerows(rows)
        return path

    return _write


@pytest.fixture
def labelled_rows():
    """40 short reviews, half positive (``pos``) and half negative (``neg``)."""
    rows = []
    for i in range(5):
        rows += [[f"{t} (take {i})", "pos"] for t in GOOD]
        rows += [[f"{t} (take {i})", "neg"] for t in BAD]
    return rows


@pytest.fixture
def make_cfg():
    """``SentimentConfig`` from a nested mapping (defaults elsewhere)."""

    def _make(**sections) -> SentimentConfig:
        return build_config(SentimentConfig, sections)

    return _make


@pytest.fixture
def imdb_home():
    """The data home holding IMDB, or a skip naming the missing file."""
    if not IMDB.is_file():
        pytest.skip(f"data home lacks {IMDB.resolve()}")
    return DATA_HOME


@pytest.fixture
def sentiment_store(task_store):
    return task_store("sentiment")
