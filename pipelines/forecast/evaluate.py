"""evaluate: the model and its baselines on the same test windows, in original units."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from pipelines.core import plots as core_plots
from pipelines.core.types import Report
from pipelines.forecast import baselines, conformal, plots, significance
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.featurize import ForecastFeatures
from pipelines.forecast.metrics import (
    directional_accuracy,
    mae,
    point_metrics,
    quantile_metrics,
)
from pipelines.forecast.refit import refit_outputs
from pipelines.forecast.train import Trained
from rnnkit.layers.quantiles import median_index, model_quantiles

INTERVAL_NOTE = (
    "Intervals: split conformal per horizon step (|error| / the series' naive MAE), each "
    "forecast calibrated on the {n} most recent forecasts whose outcome it could know "
    "(validation windows, then test windows as observed; no refit); coverage is the "
    "share of test values inside, width the mean width in original units."
)
MASE_NOTE = (
    "MASE divides by the in-sample one-step naive MAE, so with a horizon above 1 even "
    "the last-value forecast can score above 1."
)


def forecast_levels(model, features: ForecastFeatures, split="test", batch_size=256):
    """Model forecasts of `split` in original units: `[windows, horizon]`, the point
    forecast (a quantile model's level nearest 0.5)."""
    return point_of(model, model_outputs(model, features, split, batch_size))


def point_of(model, outputs):
    """The point forecast among a model's outputs (`[..., levels]` for a quantile model)."""
    levels = model_quantiles(model)
    return outputs[..., median_index(levels)] if levels else outputs


def model_outputs(model, features: ForecastFeatures, split="test", batch_size=256):
    """What the model forecasts for `split` in original units: `[windows, horizon]`, or
    `[windows, horizon, levels]` for a quantile model (the scaling is affine, so
    quantiles map to quantiles)."""
    windows = features.windows[split]
    scaled = model.predict(features.batches(split, batch_size, with_targets=False), verbose=0)
    out = np.empty(scaled.shape, dtype="float64")
    pre = features.preprocessor
    for sid, s in enumerate(features.series):
        rows = windows.index[:, 0] == sid
        out[rows] = pre.restore(s.name, scaled[rows], s.level, windows.index[rows, 1])
    return out


def split_actuals(features: ForecastFeatures, split="test") -> tuple[np.ndarray, np.ndarray]:
    """Targets of a split's windows in original units `[windows, horizon]`, and the MASE
    scale of each window's series `[windows]`."""
    h, windows = features.preprocessor.horizon, features.windows[split]
    actual = np.stack([features.series[s].level[t + 1 : t + 1 + h] for s, t in windows.index])
    # once per series, not per window: each is a pass over the series' train split
    scales = np.array([features.naive_scale(s) for s in range(len(features.series))])
    return actual, scales[windows.index[:, 0]]


@dataclass
class SplitForecasts:
    """Every forecaster's forecasts of one split: ``forecasts[name] = (rows, values)``,
    `rows` the windows it forecast (all, or the statistical baseline's spread);
    ``model_outputs`` the model's own (its quantiles, for a quantile model)."""

    actual: np.ndarray
    scale: np.ndarray
    forecasts: dict[str, tuple[np.ndarray, np.ndarray]]
    model_outputs: np.ndarray


def split_forecasts(cfg: ForecastConfig, model, features: ForecastFeatures,
                    split: str, statistical: bool = True, outputs=None) -> SplitForecasts:
    """The model, naive, seasonal naive and (on a spread of windows, unless
    `statistical` is false) the statistical baseline on the windows of `split`,
    original units. `outputs`: the model's, when already made (a refit backtest)."""
    e, h = cfg.evaluate, features.preprocessor.horizon
    windows = features.windows[split]
    sids, ends = windows.index[:, 0], windows.index[:, 1]
    actual, scale = split_actuals(features, split)
    every = np.arange(len(windows))
    naive, seasonal = np.empty_like(actual), np.empty_like(actual)
    for sid, s in enumerate(features.series):
        rows = sids == sid
        naive[rows] = baselines.naive(s.level, ends[rows], h)
        seasonal[rows] = baselines.seasonal_naive(s.level, ends[rows], h, features.season)
    outputs = model_outputs(model, features, split) if outputs is None else outputs
    out = {"model": (every, point_of(model, outputs)),
           "naive": (every, naive), "seasonal_naive": (every, seasonal)}
    if statistical and e.statistical != "none":
        rows = baselines.spread(len(windows), e.statistical_max_windows)
        stat = np.empty((len(rows), h))
        for sid, s in enumerate(features.series):
            mine = sids[rows] == sid
            if mine.any():
                stat[mine] = baselines.statistical(e.statistical, s.level, s.n_train,
                                                   ends[rows][mine], h, e.refit_every)
        out[e.statistical] = (rows, stat)
    return SplitForecasts(actual, scale, out, outputs)


def evaluate(cfg: ForecastConfig, trained: Trained, features: ForecastFeatures) -> Report:
    e, h = cfg.evaluate, features.preprocessor.horizon
    windows = features.windows["test"]
    refit, refits = (None, 0)
    if e.refit_every:
        refit, refits = refit_outputs(cfg, trained, features, model_outputs)
    test = split_forecasts(cfg, trained.model, features, "test", outputs=refit)
    actual, scale = test.actual, test.scale
    last = np.array([features.series[s].level[t] for s, t in windows.index])
    forecasts = {name: values for name, (rows, values) in test.forecasts.items()
                 if len(rows) == len(windows)}
    metrics = {name: point_metrics(actual[rows], values, scale[rows])
               for name, (rows, values) in test.forecasts.items()}
    if features.is_price:
        metrics["model"]["directional_accuracy"] = directional_accuracy(
            last, actual, forecasts["model"])
    levels = model_quantiles(trained.model)
    if levels:
        metrics["model"].update(quantile_metrics(actual, test.model_outputs, levels))

    calibration, figures, half = _intervals(cfg, trained.model, features, test, metrics)
    extra, notes = {}, [MASE_NOTE]
    if e.statistical != "none":
        rows, _ = test.forecasts[e.statistical]
        extra[f"model_mae_on_{e.statistical}_windows"] = mae(actual[rows],
                                                            forecasts["model"][rows])
        notes.append(
            f"{e.statistical.upper()} is scored on {len(rows)} of the {len(windows)} test "
            f"windows (spread evenly); the model's MAE on those same windows is "
            f"{extra[f'model_mae_on_{e.statistical}_windows']:.4g}."
        )
    if e.refit_every:
        extra["refits"] = refits
        notes.append(
            f"Backtest with refits: the model was refit {refits} times through the test "
            f"period (every {e.refit_every} forecast origins, warm-started, "
            f"{e.refit_epochs} epoch(s) on every window observed by then); its test metrics "
            "are those forecasts'. The registered model is the one trained before the test "
            "period.")
    if e.interval:
        notes.append(INTERVAL_NOTE.format(n=len(features.windows["val"])))
    if levels:
        notes.append(f"Quantile model (levels {', '.join(f'{t:g}' for t in levels)}): "
                     "trained on the pinball loss; its point forecast is the level nearest "
                     "0.5. Pinball loss and coverage of its own quantiles are in report.json.")
    if features.is_price:
        notes.append("Prices follow nearly a random walk: the last value is hard to beat, "
                     "and a model that does not beat it has learned nothing tradeable.")

    backtest = _backtest(actual, forecasts, windows, features, e.backtest_windows)
    tables = {"backtest": backtest}
    tables["diebold_mariano"], dm_metrics, dm_note = significance.model_vs_naive(
        actual, forecasts, windows, features)
    extra.update(dm_metrics)
    notes.append(dm_note)
    if len(features.series) > 1:
        groups = [("test", actual, scale, forecasts, windows)]
        if features.holdout:
            held = split_forecasts(cfg, trained.model, features, "holdout", statistical=False)
            held_forecasts = {k: v for k, (_, v) in held.forecasts.items()}
            groups.append(("holdout", held.actual, held.scale, held_forecasts,
                           features.windows["holdout"]))
            extra.update(_holdout_metrics(held.actual, held.scale, held_forecasts))
        table, shares = _per_series(groups, features)
        tables["per_series"] = table
        extra["share_of_series_beating_naive"] = shares["test"]
        trained_on = len(features.series) - len(features.holdout)
        notes.append(f"Over {trained_on} series: the model's MAE is below the naive "
                     f"forecast's on {shares['test']:.0%} of them (tables/per_series.md).")
        if features.holdout:
            extra["holdout/share_of_series_beating_naive"] = shares["holdout"]
            notes.append(
                f"Held out of training and validation entirely: {', '.join(features.holdout)}"
                f" ({len(features.holdout)} series, their test period). There the model's "
                f"MASE is {extra['holdout/mase']:.4g} against the naive forecast's "
                f"{extra['baseline/naive/holdout/mase']:.4g}, and it beats naive on "
                f"{shares['holdout']:.0%} of them.")
    model_metrics = metrics.pop("model")
    epochs = trained.epochs_run
    return Report(
        model_metrics=model_metrics,
        baselines=metrics,
        dataset=features.dataset,
        figures={
            "forecast_vs_actual": plots.forecast_vs_actual(
                features, actual, forecasts, e.plot_series, h, e.interval, half),
            **figures,
            "training_curves": core_plots.training_curves(
                trained.history, ylabel="loss (scaled target)", log_scale=True),
        },
        tables={"summary": _summary(model_metrics, metrics, notes, h, e.interval), **tables},
        artifacts={"filled_values": features.filled,
                   "preprocessor": dataclasses.asdict(features.preprocessor),
                   "calibration": calibration.to_dict()},
        throughput={"train_windows_per_s": len(features.windows["train"]) * epochs
                    / max(trained.seconds, 1e-9)},
        extra_metrics={**extra, "epochs_run": epochs, "best_epoch": trained.best_epoch,
                       "n_test_windows": len(windows)},
        tags={"cell": cfg.model.cell, "lookback": str(features.preprocessor.lookback),
              "horizon": str(h), "frequency": str(features.preprocessor.frequency)},
        params=resolved_params(features),
    )


def _intervals(cfg, model, features, test: SplitForecasts, metrics):
    """Every forecaster's conformal intervals on the test windows (rolling calibration:
    validation forecasts, then test forecasts once observed); their coverage and width
    go into `metrics`. Returns the model's `Calibration` for serving (its most recent
    forecasts, as a forecast after the run would see them) and the coverage figure."""
    levels = list(cfg.evaluate.interval)
    if not levels:
        return conformal.Calibration(), {}, None
    val = split_forecasts(cfg, model, features, "val")
    made = {split: _times(features, split, 0) for split in ("val", "test")}
    known = {split: _times(features, split, features.preprocessor.horizon)
             for split in ("val", "test")}
    for name, (rows, values) in test.forecasts.items():
        val_rows, val_values = val.forecasts[name]
        pool = np.concatenate([
            conformal.scores(val.actual[val_rows], val_values, val.scale[val_rows]),
            conformal.scores(test.actual[rows], values, test.scale[rows])])
        pool_known = np.concatenate([known["val"][val_rows], known["test"][rows]])
        window = len(val_rows)
        half = conformal.rolling_quantiles(pool, pool_known, made["test"][rows], levels, window)
        metrics[name].update(conformal.interval_metrics(
            test.actual[rows], values, test.scale[rows], half, levels))
        if name == "model":  # what serving needs, and the model's bands for the figures
            latest = np.argsort(pool_known, kind="stable")[-window:]
            calibration = conformal.Calibration(
                levels, conformal.score_quantiles(pool[latest], levels).tolist(),
                {s.name: features.naive_scale(i) for i, s in enumerate(features.series)})
            model_half = half
            by_step = conformal.coverage_by_step(test.actual, values, test.scale, half)
    return calibration, {"interval_coverage": plots.interval_coverage(levels, by_step)}, model_half


def _times(features, split, offset) -> np.ndarray:
    """When each window of `split` is made (offset 0) or its step `offset` observed."""
    return features.times_at(features.windows[split].index, offset)


def resolved_params(features) -> dict:
    """The values featurize chose where the config left them open (None)."""
    pre = features.preprocessor
    return {"data.target": pre.target, "data.features": pre.features,
            "featurize.frequency": pre.frequency, "featurize.fill_limit": pre.fill_limit,
            "featurize.lookback": pre.lookback, "featurize.horizon": pre.horizon,
            "evaluate.season": features.season}


def _summary(model_metrics, baseline_metrics, notes, horizon, levels=()):
    names = ["mae", "rmse", "smape", "mase", "mae_last_step"]
    titles = ["MAE", "RMSE", "sMAPE %", "MASE", f"MAE at step {horizon}"]
    for level in levels:
        pct = conformal.level_name(level)
        names += [f"coverage_{pct}", f"width_{pct}"]
        titles += [f"{pct}% coverage", f"{pct}% width"]
    header = ("| forecaster | " + " | ".join(titles) + " |\n"
              "|---|" + "---:|" * len(titles) + "\n")
    rows = [("model", model_metrics), *baseline_metrics.items()]
    body = "".join(
        f"| {name} | " + " | ".join(_cell(m.get(k)) for k in names) + " |\n"
        for name, m in rows
    )
    extra = ""
    if "directional_accuracy" in model_metrics:
        accuracy = model_metrics["directional_accuracy"]
        extra = f"\nModel directional accuracy (step 1): {accuracy:.3f}\n"
    return (f"Test windows, {horizon}-step horizon, original units.\n\n" + header + body + extra
            + "\n" + "\n".join(f"- {n}" for n in notes) + "\n")


def _cell(value) -> str:
    return "–" if value is None else f"{value:.4g}"


def _holdout_metrics(actual, scale, forecasts) -> dict[str, float]:
    """`holdout/<metric>` of the model and `baseline/<name>/holdout/<metric>` of each
    baseline, on the held-out series' test windows."""
    out = {}
    for name, values in forecasts.items():
        prefix = "holdout" if name == "model" else f"baseline/{name}/holdout"
        out.update({f"{prefix}/{k}": v for k, v in point_metrics(actual, values, scale).items()})
    return out


def _per_series(groups, features):
    """One row per series: MAE and MASE of the model and the naive forecast, whether it
    was trained on, and whether the model wins; with the share of series it wins on, per
    group (``"test"``: the series trained on, ``"holdout"``: those held out)."""
    lines = ["| series | trained on | windows | model MAE | naive MAE | model MASE | "
             "naive MASE | model wins |", "|---|---|---:|---:|---:|---:|---:|---|"]
    shares = {}
    for group, actual, scale, forecasts, windows in groups:
        wins = []
        for sid, series in enumerate(features.series):
            rows = windows.index[:, 0] == sid
            if not rows.any():
                continue
            model, naive = (point_metrics(actual[rows], forecasts[k][rows], scale[rows])
                            for k in ("model", "naive"))
            wins.append(model["mae"] < naive["mae"])
            lines.append(f"| {series.name} | {'no' if group == 'holdout' else 'yes'} | "
                         f"{int(rows.sum())} | {model['mae']:.4g} | {naive['mae']:.4g} | "
                         f"{model['mase']:.4g} | {naive['mase']:.4g} | "
                         f"{'yes' if wins[-1] else 'no'} |")
        shares[group] = float(np.mean(wins)) if wins else float("nan")
    return "\n".join(lines) + "\n", shares


def _backtest(actual, forecasts, windows, features, folds):
    """MAE per consecutive fold of forecast origins: one pass over the test set."""
    times = np.array([features.series[s].times[t] for s, t in windows.index])
    order = np.argsort(times, kind="stable")
    lines = ["| fold | first origin | last origin | windows | "
             + " | ".join(f"{n} MAE" for n in forecasts) + " |",
             "|---|---|---|---:|" + "---:|" * len(forecasts)]
    for i, rows in enumerate(np.array_split(order, max(1, min(folds, len(order))))):
        cells = " | ".join(f"{mae(actual[rows], f[rows]):.4g}" for f in forecasts.values())
        lines.append(f"| {i + 1} | {times[rows].min()} | {times[rows].max()} | {len(rows)} | "
                     f"{cells} |")
    return "\n".join(lines) + "\n"
