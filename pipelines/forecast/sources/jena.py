"""The Keras weather example's Jena climate schema (10-minute steps, Latin-1 header)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipelines.core.datahome import dataset_path, require_file
from pipelines.core.errors import DataMissingError
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.sources.common import (
    build_raw,
    load_series_csv,
    reject_options,
    resolve_columns,
    sentinel_to_nan,
)

CANONICAL = "jena_climate/jena_climate_2009_2016.csv"
SAMPLE = "jena_mpi_roof_2024_sample/mpi_roof_2024_jun-oct.csv.gz"
URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip"
DESCRIPTION = "Max Planck Institute for Biogeochemistry, Jena weather station (Keras example)"
TIME_COLUMN = "Date Time"
TIME_FORMAT = "%d.%m.%Y %H:%M:%S"
TARGET = "T (degC)"
FEATURES = [
    "p (mbar)", "Tpot (K)", "Tdew (degC)", "rh (%)", "VPmax (mbar)", "VPact (mbar)",
    "VPdef (mbar)", "sh (g/kg)", "H2OC (mmol/mol)", "rho (g/m**3)", "wv (m/s)",
    "max. wv (m/s)", "wd (deg)",
]
ANGLES = ["wd (deg)"]
SENTINEL = -9999.0


def jena_path() -> Path:
    """The 2009–2016 file, else the 2024 sample, else the 2009–2016 file downloaded."""
    for relative in (CANONICAL, SAMPLE):
        if dataset_path(relative).is_file():
            return dataset_path(relative)
    try:
        archive = require_file(CANONICAL + ".zip", DESCRIPTION, url=URL)
    except DataMissingError as exc:
        raise DataMissingError(
            f"Jena climate data not found: expected {dataset_path(CANONICAL)} (or the sample "
            f"{dataset_path(SAMPLE)}). {exc}"
        ) from exc
    with zipfile.ZipFile(archive) as zipped:
        member = next(n for n in zipped.namelist() if n.endswith(Path(CANONICAL).name))
        dataset_path(CANONICAL).write_bytes(zipped.read(member))
    return dataset_path(CANONICAL)


def jena(cfg: ForecastConfig) -> ForecastRaw:
    """One series; -9999 sensor sentinels become NaN (counted in ``missing``).

    Rows that repeat an earlier row exactly are dropped (the 2009–2016 file is said
    to hold some); a timestamp repeated with other values is still an error.
    """
    reject_options(cfg)
    path = jena_path()
    target, features = resolve_columns(cfg, TARGET, FEATURES)
    frames = load_series_csv(path, str(path), TIME_COLUMN, [target, *features],
                             time_format=TIME_FORMAT, encoding="latin-1", single_name="jena",
                             drop_repeated_rows=True)
    sentinel_to_nan(frames, SENTINEL)
    return build_raw("jena", frames, target, features, path=path, angle_columns=ANGLES,
                     frequency="10min", season=144)
