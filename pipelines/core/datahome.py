"""The data home: where datasets live on disk, and fetching the ones that are missing.

``RNNKIT_DATA_HOME`` (default ``data/raw`` under the working directory) holds each
dataset in its canonical layout, e.g. ``beijing_multisite_air_quality/...csv.gz``.
Ingest stages call ``require_file`` with a path relative to the data home; a missing
file is downloaded from its published URL when one is given, else (or when that fails)
the error names the exact path expected and where the dataset comes from.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipelines.core.errors import DataMissingError

ENV_VAR = "RNNKIT_DATA_HOME"
DEFAULT_DATA_HOME = Path("data") / "raw"


def data_home() -> Path:
    """The data home as an absolute path: ``$RNNKIT_DATA_HOME`` else ``./data/raw``."""
    value = os.environ.get(ENV_VAR, "").strip()
    home = Path(value).expanduser() if value else DEFAULT_DATA_HOME
    return home if home.is_absolute() else (Path.cwd() / home).resolve()


def dataset_path(relative_path: str | Path) -> Path:
    """Where ``relative_path`` sits in the data home, whether it exists or not."""
    return data_home() / Path(relative_path)


def require_file(
    relative_path: str | Path,
    source_description: str,
    url: str | None = None,
    sha256: str | None = None,
) -> Path:
    """Return the absolute path of a dataset file in the data home, fetching it if needed.

    Args:
        relative_path: path inside the data home, e.g.
            ``"sp500_stocks_5yr/all_stocks_5yr.csv.gz"``.
        source_description: where the dataset comes from (name, publisher, licence),
            quoted in the error so the user can fetch it by hand.
        url: the file's canonical public URL; when given, a missing file is downloaded
            with ``keras.utils.get_file`` to exactly the expected path.
        sha256: the expected hash of a downloaded file, checked by ``get_file``.

    Raises:
        DataMissingError: the file is absent and there is no URL, or the download failed.
    """
    target = dataset_path(relative_path)
    if target.is_file():
        return target
    if target.exists():
        raise DataMissingError(
            f"Expected a dataset file at {target}, but that path is a "
            f"directory. Source: {source_description}."
        )
    if url is None:
        raise DataMissingError(
            f"Dataset file not found: {target}. Source: {source_description}. "
            f"Put the file there (the data home is ${ENV_VAR}, now {data_home()})."
        )
    try:
        _download(url, target, sha256)
    except Exception as exc:  # any failure of the download is the same user-facing story
        raise DataMissingError(
            f"Dataset file not found: {target}, and downloading it from {url} failed "
            f"({type(exc).__name__}: {exc}). Source: {source_description}. Download it by "
            f"hand to that path, or point ${ENV_VAR} at a folder that holds it."
        ) from exc
    return target


def _download(url: str, target: Path, sha256: str | None) -> None:
    """Fetch ``url`` to ``target`` with Keras's downloader; no partial file is left."""
    import keras  # imported here: slow, and only needed when something must be fetched

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        got = keras.utils.get_file(
            fname=target.name,
            origin=url,
            file_hash=sha256,
            cache_dir=str(target.parent),
            cache_subdir=str(target.parent),  # absolute: get_file writes exactly there
        )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if Path(got).resolve() != target.resolve():  # get_file fell back to another folder
        shutil.move(got, target)
