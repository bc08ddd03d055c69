"""Reading a user's CSV (plain, .gz, .zip) with every failure turned into a clear error."""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def read_csv_checked(path: Path, label: str, error: type[Exception],
                     check_header: Callable[[list[str]], None],
                     encoding: str = "utf-8", **read_kwargs) -> pd.DataFrame:
    """`pd.read_csv(path, **read_kwargs)` after `check_header(columns found)`.

    An empty file (0 bytes or no header), a malformed CSV, text that is not `encoding`
    and a broken archive each raise `error` with a message naming `label`; so does
    `check_header`, which sees the header before any row is parsed.
    """
    if path.stat().st_size == 0:
        raise error(f"{label} is empty (0 bytes): expected a header and rows.")
    try:
        check_header(list(pd.read_csv(path, nrows=0, encoding=encoding).columns))
        return pd.read_csv(path, encoding=encoding, **read_kwargs)
    except pd.errors.EmptyDataError:
        raise error(f"{label} is empty: expected a header and rows.") from None
    except pd.errors.ParserError as exc:
        raise error(f"{label} is not a well-formed CSV: {exc}") from None
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding.lower().replace("-", "") == "utf8" else encoding
        raise error(f"{label} is not valid {name} text (byte {exc.start}): {exc.reason}.") from None
    except (gzip.BadGzipFile, zipfile.BadZipFile, EOFError) as exc:
        raise error(f"{label} is not a readable compressed file: {exc}") from None
