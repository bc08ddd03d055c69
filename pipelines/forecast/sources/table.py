"""Reading a CSV of time series and checking it, with errors that name file, line, column.

Row labels of the frames read here are kept from the file: row label ``i`` is line
``i + 2`` of the file as an editor shows it (the header is line 1). Every check is
vectorised: convert the whole column, then locate the first failure.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.core.csvfile import read_csv_checked
from pipelines.core.errors import RnnkitUserError

HEADER_LINES = 1


class ForecastDataError(RnnkitUserError):
    """A forecasting data file is empty, lacks a column, or holds a bad value."""


def line_of(row_label) -> int:
    """The 1-based line in the file of the row read with label ``row_label``."""
    return int(row_label) + HEADER_LINES + 1


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def suggest(name: str, options) -> str:
    """`` (did you mean 'x'?)`` when ``options`` holds a close match, else ``""``."""
    options = [str(o) for o in options]
    same_case = [o for o in options if o.lower() == str(name).lower()]
    close = same_case or difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_columns(found: list[str], wanted: list[str], label: str) -> None:
    """Raise naming the first of ``wanted`` that is not in ``found``, and what was found."""
    for name in wanted:
        if name not in found:
            hint = ""
            if len(found) == 1 and any(sep in found[0] for sep in "\t;|"):
                hint = " The file does not look comma-separated: save it as CSV with commas."
            raise ForecastDataError(
                f"{label}: no column '{name}'{suggest(name, found)}. "
                f"Columns found: {', '.join(map(repr, found))}.{hint}"
            )


def read_csv(path: Path, columns: list[str], *, label: str | None = None,
             encoding: str = "utf-8", dtype: dict | None = None) -> pd.DataFrame:
    """Read ``columns`` of a CSV (plain, .gz, .zip), with the file's lines as row labels.

    Raises ``ForecastDataError`` for an empty file (no bytes, no header, or header
    only), a missing column (listing the columns found), or a malformed file.
    """
    label = label or str(path)
    frame = read_csv_checked(path, label, ForecastDataError,
                             lambda header: check_columns(header, columns, label),
                             encoding=encoding, usecols=columns, dtype=dtype,
                             skip_blank_lines=False, low_memory=False)
    frame = frame[frame.notna().any(axis=1)]  # blank lines
    if frame.empty:
        raise ForecastDataError(f"{label} has a header (line 1) but no data rows.")
    return frame[columns]


def _first(mask: pd.Series):
    """Label of the first True of a boolean series (file order)."""
    return mask.index[np.argmax(mask.to_numpy())]


def parse_times(values: pd.Series, label: str, column: str,
                fmt: str | None = None) -> pd.Series:
    """Parse timestamps (strings); naive, tz-aware ones converted to UTC."""
    missing = values.isna()
    if missing.any():
        row = _first(missing)
        raise ForecastDataError(
            f"{label}, line {line_of(row)}, column '{column}': the timestamp is empty."
        )
    text = values.astype(str)
    times = pd.to_datetime(text, format=fmt, errors="coerce")
    if fmt is None and times.isna().any():  # mixed formats in one column
        try:
            times = pd.to_datetime(text, format="mixed", errors="coerce")
        except (ValueError, TypeError):  # mixed time zones and the like
            pass
    if not pd.api.types.is_datetime64_any_dtype(times):
        times = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
    bad = times.isna()
    if bad.any():
        row = _first(bad)
        expected = f" (expected the format '{fmt}')" if fmt else ""
        raise ForecastDataError(
            f"{label}, line {line_of(row)}, column '{column}': cannot parse the timestamp "
            f"{text[row]!r}{expected}."
        )
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.astype("datetime64[ns]")


def to_float(frame: pd.DataFrame, columns: list[str], label: str) -> pd.DataFrame:
    """The columns as float64; a non-numeric or infinite value raises with its line."""
    out = {}
    for name in columns:
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            values = col.astype("float64")
        else:
            values = pd.to_numeric(col, errors="coerce").astype("float64")
            bad = values.isna() & col.notna()
            if bad.any():
                row = _first(bad)
                raise ForecastDataError(
                    f"{label}, line {line_of(row)}, column '{name}': expected a number, "
                    f"found {col[row]!r}."
                )
        inf = pd.Series(np.isinf(values.to_numpy()), index=values.index)
        if inf.any():
            row = _first(inf)
            raise ForecastDataError(
                f"{label}, line {line_of(row)}, column '{name}': the value is infinite "
                f"({values[row]}); use an empty cell or NA for a missing value."
            )
        out[name] = values
    return pd.DataFrame(out, index=frame.index)


def check_order(times: pd.Series, label: str, column: str,
                groups: pd.Series | None = None, what: str = "series") -> None:
    """Timestamps must strictly increase down the file within each series."""
    rows = times.index.to_numpy()
    if groups is None:
        codes = np.zeros(len(times), dtype=np.int64)
    else:
        codes = pd.Series(pd.Categorical(groups)).cat.codes.to_numpy()
    order = np.argsort(codes, kind="stable")
    t = times.to_numpy("datetime64[ns]")[order]
    same = codes[order][1:] == codes[order][:-1]
    step = t[1:] - t[:-1]
    bad = np.flatnonzero(same & (step <= np.timedelta64(0, "ns")))
    if not len(bad):
        return
    i = bad[np.argmin(rows[order][bad + 1])]
    prev, here = rows[order][i], rows[order][i + 1]
    where = f" ({what} {groups[here]!r})" if groups is not None else ""
    if step[i] == np.timedelta64(0, "ns"):
        problem = f"duplicate timestamp {pd.Timestamp(t[i + 1])}, already on line {line_of(prev)}"
    else:
        problem = (f"timestamps are not sorted: {pd.Timestamp(t[i + 1])} comes after "
                   f"{pd.Timestamp(t[i])} on line {line_of(prev)}")
    raise ForecastDataError(
        f"{label}, line {line_of(here)}, column '{column}'{where}: {problem}. Timestamps "
        f"must increase strictly down the file within each {what}."
    )
