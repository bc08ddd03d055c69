"""Reading a CSV of labelled texts and checking it, with errors naming file, line, column.

A quoted text may span several lines, so the line of a bad row is found by re-reading
the file with the ``csv`` module, only when there is an error to report.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import hashlib
import io
from pathlib import Path

import pandas as pd

from pipelines.core.csvfile import read_csv_checked
from pipelines.core.errors import RnnkitUserError

_LETTER = r"[^\W\d_]"  # a letter of any script


class SentimentDataError(RnnkitUserError):
    """A text-classification data file is empty, lacks a column, or holds a bad value."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def line_of(path: Path, row: int) -> int:
    """The 1-based line where data row ``row`` (0-based, blank lines skipped) starts."""
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        start, seen = 1, -1  # the header is record -1
        for record in reader:
            if record:
                seen += 1
                if seen == row + 1:
                    return start
            start = reader.line_num + 1
    return start


def _suggest(name: str, options) -> str:
    close = difflib.get_close_matches(name, [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def read_texts(path: Path, text_column: str, label_column: str,
               extra: tuple[str, ...] = (), label: str | None = None) -> pd.DataFrame:
    """Read ``[text, label, *extra]`` columns as strings and check every text.

    Raises ``SentimentDataError`` for an empty file, a missing column, a malformed or
    non-UTF-8 file, an empty label, and an empty or non-text (no letter) text.
    """
    label = label or str(path)
    columns = list(dict.fromkeys([text_column, label_column, *extra]))

    def check_header(found):
        for name in columns:
            if name not in found:
                raise SentimentDataError(
                    f"{label}: no column '{name}'{_suggest(name, found)}. Columns found: "
                    f"{', '.join(map(repr, found))}.")

    frame = read_csv_checked(path, label, SentimentDataError, check_header,
                             usecols=columns, dtype=str, keep_default_na=False)
    if frame.empty:
        raise SentimentDataError(f"{label} has a header (line 1) but no data rows.")
    frame = frame.reset_index(drop=True)[columns]
    _check(path, label, frame, label_column, frame[label_column].str.strip() == "",
           "the label is empty")
    text = frame[text_column]
    _check(path, label, frame, text_column, text.str.strip() == "", "the text is empty")
    _check(path, label, frame, text_column, ~text.str.contains(_LETTER, regex=True),
           "the text has no letters (expected words, found {value!r})")
    return frame


def _check(path, label, frame, column, bad: pd.Series, problem: str) -> None:
    if not bad.any():
        return
    row = int(bad.to_numpy().argmax())
    value = frame[column].iloc[row]
    more = int(bad.sum()) - 1
    others = f" ({more} more rows like it)" if more else ""
    raise SentimentDataError(
        f"{label}, line {line_of(path, row)}, column '{column}': "
        f"{problem.format(value=value[:60])}{others}.")


def _natural(value: str):
    """Numbers in numeric order, then other text."""
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def check_labels(values: pd.Series, declared, path: Path, label: str, column: str) -> list[str]:
    """The class names in id order: ``declared`` (as text) or the sorted values found.

    Raises ``SentimentDataError`` listing every value outside ``declared``, and when
    fewer than two classes are present.
    """
    found = sorted(values.unique(), key=_natural)
    if declared is not None:
        names = [str(v) for v in declared]
        unexpected = [v for v in found if v not in set(names)]
        if unexpected:
            row = int((~values.isin(names)).to_numpy().argmax())
            shown = ", ".join(repr(v) for v in unexpected[:20])
            raise SentimentDataError(
                f"{label}, column '{column}': {len(unexpected)} unexpected label value(s): "
                f"{shown} (first on line {line_of(path, row)}). data.labels declares "
                f"{names}.")
    else:
        names = found
    if len(found) < 2:
        raise SentimentDataError(
            f"{label}, column '{column}': a classifier needs at least two classes, found "
            f"only {found}.")
    return names
