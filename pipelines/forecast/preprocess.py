"""The forecast preprocessor: frame -> model matrix, fitted on train, saved as JSON.

A small Python object (no TensorFlow), so prediction needs only this file and
the `.keras` model, on any Keras backend.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from pipelines.core.errors import RnnkitUserError
from pipelines.core.state import JsonState


def _first_long_gap(missing: np.ndarray, limit: int) -> tuple[int, int]:
    """Start and length of the first run of `True` longer than `limit`, else (0, 0)."""
    if not missing.any():
        return 0, 0
    edges = np.diff(np.concatenate([[0], missing.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = np.flatnonzero(stops - starts > limit)
    if not len(long):
        return 0, 0
    return int(starts[long[0]]), int(stops[long[0]] - starts[long[0]])


class ForecastFeatureError(RnnkitUserError):
    """Series that cannot become model input (gaps beyond the fill policy, too short)."""


@dataclass
class Preprocessor(JsonState):
    """Turns a time-indexed frame into the scaled matrix the model reads.

    Column order of the matrix: target, features (angles as sin/cos), calendar.
    Scaling: `(v - mean) / std` per series and column, fitted on the train split.
    With `returns`, the target is first replaced by its log-return
    `r_t = log(p_t / p_{t-1})`.
    """

    FORMAT: ClassVar[str] = "rnnkit-forecast-preprocessor/1"
    UNTAGGED_OK: ClassVar[bool] = True  # saved without a tag before 2026-12

    target: str
    features: list[str]
    angle_columns: list[str] = field(default_factory=list)
    frequency: str | None = None
    fill_limit: int = 6
    calendar: bool = True
    returns: bool = False
    lookback: int = 30
    horizon: int = 1
    columns: list[str] = field(default_factory=list)
    mean: dict[str, list[float]] = field(default_factory=dict)
    std: dict[str, list[float]] = field(default_factory=dict)
    seasonal_residual: int = 0
    """The season m when the model forecasts `y_{t+k} − y_{t+k−m}` (0: levels)."""
    series_index: dict[str, int] = field(default_factory=dict)
    """Series id of each series the model's embedding knows (empty: no embedding)."""

    # --- frame -> unscaled matrix --------------------------------------------------
    def regularize(self, frame: pd.DataFrame, name: str):
        """Resample to the frequency (gaps become NaN), fill up to `fill_limit`; count fills."""
        frame = frame[[self.target, *self.features]]
        if self.frequency:
            frame = frame.resample(self.frequency).mean()
        missing = frame.isna()
        for column in frame.columns:
            first, length = _first_long_gap(missing[column].to_numpy(), self.fill_limit)
            if length:
                raise ForecastFeatureError(
                    f"Series {name!r}, column {column!r}: {length} consecutive missing values "
                    f"from {frame.index[first]}, more than featurize.fill_limit = "
                    f"{self.fill_limit} steps (the gap is {length} steps long; "
                    f"{int(missing[column].sum())} missing in all). Raise the limit or "
                    "clean the data."
                )
        missing_before = missing.sum()
        filled = frame.interpolate(method="linear", limit_area="inside").bfill().ffill()
        filled_counts = {c: int(missing_before[c]) for c in frame.columns if missing_before[c]}
        return filled, filled_counts

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Unscaled model matrix of a regular, gap-free frame (target first)."""
        columns = {self.target: frame[self.target].to_numpy(dtype="float64")}
        if self.returns:
            price = columns[self.target]
            columns[self.target] = np.concatenate([[0.0], np.diff(np.log(price))])
        for name in self.features:
            values = frame[name].to_numpy(dtype="float64")
            if name in self.angle_columns:
                radians = np.deg2rad(values)
                columns[f"{name} sin"], columns[f"{name} cos"] = np.sin(radians), np.cos(radians)
            else:
                columns[name] = values
        if self.calendar:
            index = pd.DatetimeIndex(frame.index)
            if self._sub_daily():
                hour = (index.hour + index.minute / 60) / 24 * 2 * np.pi
                columns["hour sin"], columns["hour cos"] = np.sin(hour), np.cos(hour)
            day = (index.dayofyear - 1) / 365.25 * 2 * np.pi
            columns["day-of-year sin"], columns["day-of-year cos"] = np.sin(day), np.cos(day)
        self.columns = list(columns)
        return np.stack(list(columns.values()), axis=1)

    def _sub_daily(self) -> bool:
        try:
            step = pd.Timedelta(pd.tseries.frequencies.to_offset(self.frequency))
        except (ValueError, TypeError):  # no frequency, or a calendar one ("MS", "B")
            return False
        return step < pd.Timedelta("1D")

    # --- scaling -------------------------------------------------------------------
    def fit(self, name: str, train_matrix: np.ndarray) -> None:
        mean = train_matrix.mean(axis=0)
        std = train_matrix.std(axis=0)
        std[std < 1e-12] = 1.0  # constant column (e.g. calendar on a short span)
        self.mean[name], self.std[name] = mean.tolist(), std.tolist()

    def scale(self, name: str, matrix: np.ndarray) -> np.ndarray:
        mean, std = self._stats(name)
        return ((matrix - mean) / std).astype("float32")

    def unscale_target(self, name: str, values: np.ndarray) -> np.ndarray:
        mean, std = self._stats(name)
        return np.asarray(values, dtype="float64") * std[0] + mean[0]

    def training_target(self, name: str, scaled: np.ndarray, level: np.ndarray) -> np.ndarray:
        """What the model learns to forecast: the scaled target column, or with
        `seasonal_residual` the scaled seasonal difference `(y_t − y_{t−m}) / σ`."""
        m = self.seasonal_residual
        if not m:
            return scaled[:, 0].copy()
        out = np.zeros(len(level), dtype="float32")
        out[m:] = (level[m:] - level[:-m]) / self._stats(name)[1][0]
        return out

    def restore(self, name: str, outputs: np.ndarray, level: np.ndarray,
                ends: np.ndarray) -> np.ndarray:
        """Forecasts in original units from model outputs `[n, H]` (or `[n, H, Q]`) of
        the windows ending at `ends` of a series with levels `level`:

        ```
        levels:            ŷ_{e+k} = σ o_k + μ
        returns:           ŷ_{e+k} = y_e · exp(Σ_{j≤k} (σ o_j + μ))
        seasonal_residual: ŷ_{e+k} = y_{e+k−m} + σ o_k              (k ≤ m)
        ```
        """
        ends = np.asarray(ends, dtype="int64")
        m = self.seasonal_residual
        if m:
            steps = np.arange(1, np.shape(outputs)[1] + 1)
            reference = level[ends[:, None] + steps[None, :] - m]
            scaled = np.asarray(outputs, dtype="float64") * self._stats(name)[1][0]
            return scaled + (reference[..., None] if scaled.ndim == 3 else reference)
        values = self.unscale_target(name, outputs)
        if self.returns:  # cumulated log-returns from the last observed price
            values = level[ends][:, None] * np.exp(np.cumsum(values, 1))
        return values

    def _stats(self, name: str):
        if name not in self.mean:
            raise ForecastFeatureError(
                f"No scaler for series {name!r}; known series: {sorted(self.mean)}"
            )
        return np.asarray(self.mean[name]), np.asarray(self.std[name])

    def series_id(self, name: str) -> int:
        """The embedding row of series `name`: its own, or the unseen-series row."""
        return self.series_index.get(name, len(self.series_index))

    # --- persistence (JsonState: save, load) ----------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Preprocessor:
        return cls(**data)
