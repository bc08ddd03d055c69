"""featurize: regular, filled, scaled series and their train/val/test windows.

Every per-row array (each series' frame, level, scaled matrix and training target,
each split's window index) is written once and read back memory-mapped
(`pipelines.core.mapped`), so training holds only the batch in its own memory."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.core import mapped, naming
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.preprocess import ForecastFeatureError, Preprocessor
from pipelines.forecast.raw import ForecastRaw
from pipelines.forecast.windows import WindowDataset, WindowSet

SPLITS = ("train", "val", "test")
HOLDOUT = "holdout"  # the test-period windows of series kept out of training


@dataclass
class SeriesData:
    """One series after featurize. `level` is the target in original units."""

    name: str
    frame: pd.DataFrame
    times: pd.DatetimeIndex
    level: np.ndarray
    matrix: np.ndarray
    target: np.ndarray
    n_train: int
    n_val: int


@dataclass
class ForecastFeatures:
    preprocessor: Preprocessor
    series: list[SeriesData]
    windows: dict[str, WindowSet]
    season: int
    is_price: bool
    native_frequency: str | None
    dataset: str = ""
    filled: dict[str, dict[str, int]] = field(default_factory=dict)
    holdout: list[str] = field(default_factory=list)
    """Series kept out of training and validation (`evaluate.holdout_series`): their
    test-period windows are the split `"holdout"`."""

    def batches(self, split: str, batch_size: int, **kwargs) -> WindowDataset:
        """The batches of `split` as the model reads them (with series ids when it has
        a series embedding)."""
        ids = None
        if self.preprocessor.series_index:
            ids = np.array([self.preprocessor.series_id(s.name) for s in self.series])
        return WindowDataset(self.windows[split], batch_size, series_ids=ids, **kwargs)

    def times_at(self, index: np.ndarray, offset: int = 0) -> np.ndarray:
        """The time of step `end + offset` of each `(series id, end)` window of `index`:
        when it is made (0), or when its step `offset` is observed."""
        return np.array([self.series[s].times[e + offset] for s, e in index],
                        dtype="datetime64[ns]")

    def naive_scale(self, series_id: int) -> float:
        """In-sample one-step naive MAE on the train split (the MASE denominator)."""
        s = self.series[series_id]
        return float(np.mean(np.abs(np.diff(s.level[: s.n_train])))) or 1.0


def resolve_steps(cfg: ForecastConfig, raw: ForecastRaw) -> dict:
    """Frequency, lookback, horizon, season and fill limit: the config's, else by step.

    Daily or coarser (or irregular trading days): 30 steps in, 1 out, gaps up to 7
    filled. Hourly: 72 in, 24 out, gaps up to 24. Finer than hourly: averaged to
    hourly first.
    """
    f = cfg.featurize
    frequency, season = f.frequency or raw.frequency, raw.season
    step = _step(frequency)
    if step is not None and step < pd.Timedelta("1h") and not f.frequency:
        frequency, season = "1h", 24
    elif f.frequency:
        season = {pd.Timedelta("1h"): 24, pd.Timedelta("1D"): 7}.get(step, raw.season)
    hourly = step is not None and step < pd.Timedelta("1D")
    return {
        "frequency": frequency,
        "lookback": f.lookback or (72 if hourly else 30),
        "horizon": f.horizon or (24 if hourly else 1),
        "season": cfg.evaluate.season or season or 1,
        "fill_limit": f.fill_limit if f.fill_limit is not None else (24 if hourly else 7),
    }


def _step(frequency: str | None) -> pd.Timedelta | None:
    """The length of a fixed step (`"1h"`, `"1D"`); None for calendar steps (`"MS"`, `"B"`)."""
    if not frequency:
        return None
    try:
        return pd.Timedelta(pd.tseries.frequencies.to_offset(frequency))
    except (ValueError, TypeError):
        return None


def featurize(cfg: ForecastConfig, raw: ForecastRaw) -> ForecastFeatures:
    f = cfg.featurize
    steps = resolve_steps(cfg, raw)
    lookback, horizon, season = steps["lookback"], steps["horizon"], steps["season"]
    pre = Preprocessor(
        target=raw.target, features=list(raw.features), angle_columns=list(raw.angle_columns),
        frequency=steps["frequency"], fill_limit=steps["fill_limit"], calendar=f.calendar,
        returns=f.returns, lookback=lookback, horizon=horizon,
        seasonal_residual=season if f.seasonal_residual else 0,
    )
    if f.seasonal_residual and not horizon <= season <= lookback:
        raise ForecastFeatureError(
            f"featurize.seasonal_residual needs horizon <= season <= lookback (each step's "
            f"seasonal-naive value must be in the window); here horizon {horizon}, season "
            f"{season}, lookback {lookback}. Change featurize.horizon, evaluate.season or "
            "featurize.lookback.")
    holdout = _holdout(cfg, list(raw.series))
    if cfg.model.series_embedding:
        pre.series_index = {name: i for i, name in
                            enumerate(n for n in raw.series if n not in holdout)}
    series, filled, index = [], {}, {split: [] for split in (*SPLITS, HOLDOUT)}
    for sid, (name, frame) in enumerate(raw.series.items()):
        regular, filled[name] = pre.regularize(frame, name)
        unscaled = pre.matrix(regular)
        n = len(unscaled)
        n_test, n_val = round(f.test_fraction * n), round(f.val_fraction * n)
        n_train = n - n_val - n_test
        _check_length(name, n, n_train, lookback, horizon)
        pre.fit(name, unscaled[:n_train])
        scaled = pre.scale(name, unscaled)
        regular = mapped.map_frame(regular)  # written once, read back file-backed
        level = regular[raw.target].to_numpy("float64")  # a view of the mapped frame
        target = pre.training_target(name, scaled, level)
        series.append(SeriesData(name, regular, pd.DatetimeIndex(regular.index), level,
                                 mapped.map_array(scaled), mapped.map_array(target),
                                 n_train, n_val))
        for split, ends in _window_ends(n, n_train, n_val, lookback, horizon).items():
            if name in holdout:  # never trained or validated on: its test period only
                split, ends = (HOLDOUT, ends) if split == "test" else (split, ends[:0])
            if split == "train":
                ends = ends[::-1][:: f.stride][::-1]
            index[split].append(np.stack([np.full(len(ends), sid), ends], axis=1))
    windows = {}
    for split in (*SPLITS, HOLDOUT) if holdout else SPLITS:
        rows = np.concatenate(index[split])
        limit = cfg.train.max_train_windows
        if split == "train" and limit and len(rows) > limit:
            keep = np.random.default_rng(cfg.train.seed).choice(len(rows), limit, replace=False)
            rows = rows[np.sort(keep)]
        if not len(rows):
            raise ForecastFeatureError(
                f"The {split} split has no window of lookback {lookback} + horizon "
                f"{horizon}: lengthen the series or change featurize.{split}_fraction."
            )
        windows[split] = WindowSet([s.matrix for s in series], [s.target for s in series],
                                   mapped.map_array(rows), lookback, horizon)
    source = naming.dataset_label(raw.provenance.source)
    named = [s for s in raw.series if s != source]  # a one-series source is its own name
    dataset = f"{source}:{','.join(named)}" if named else source
    return ForecastFeatures(pre, series, windows, season, raw.is_price, raw.frequency,
                            dataset, filled, holdout)


def _holdout(cfg: ForecastConfig, names: list[str]) -> list[str]:
    """`evaluate.holdout_series` names drawn with `train.seed`, in the source's order."""
    k = cfg.evaluate.holdout_series
    if not k:
        return []
    if k >= len(names):
        raise ForecastFeatureError(
            f"evaluate.holdout_series = {k} holds out every series but none is left to "
            f"train on: the run has {len(names)} series ({', '.join(names[:12])}). Name "
            "more with data.series, or hold out fewer.")
    drawn = np.random.default_rng(cfg.train.seed).choice(len(names), k, replace=False)
    return [names[i] for i in sorted(drawn)]


def _check_length(name, n, n_train, lookback, horizon):
    need = lookback + horizon
    if n < need or n_train < need:
        raise ForecastFeatureError(
            f"Series {name!r} is too short: {n} rows ({n_train} in the train split), but one "
            f"window needs lookback + horizon = {lookback} + {horizon} = {need} rows. "
            "Use a longer series or a smaller featurize.lookback / featurize.horizon."
        )


def _window_ends(n, n_train, n_val, lookback, horizon):
    """Last input row of every window, by the split its targets fall in (no overlap)."""
    ends = np.arange(lookback - 1, n - horizon)
    first, last = ends + 1, ends + horizon
    return {
        "train": ends[last < n_train],
        "val": ends[(first >= n_train) & (last < n_train + n_val)],
        "test": ends[first >= n_train + n_val],
    }
