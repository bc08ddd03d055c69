"""evaluate: the model and its baselines on the same test windows, in original units."""

from __future__ import annotations

import dataclasses

import numpy as np

from pipelines.core import plots as core_plots
from pipelines.core.types import Report
from pipelines.forecast import baselines, plots
from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.featurize import ForecastFeatures
from pipelines.forecast.metrics import directional_accuracy, mae, point_metrics
from pipelines.forecast.train import Trained
from pipelines.forecast.windows import WindowDataset

MASE_NOTE = (
    "MASE divides by the in-sample one-step naive MAE, so with a horizon above 1 even "
    "the last-value forecast can score above 1."
)


def forecast_levels(model, features: ForecastFeatures, split="test", batch_size=256):
    """Model forecasts of `split` in original units, `[windows, horizon]`."""
    windows = features.windows[split]
    scaled = model.predict(WindowDataset(windows, batch_size, with_targets=False), verbose=0)
    out = np.empty(scaled.shape, dtype="float64")
    pre = features.preprocessor
    for sid, s in enumerate(features.series):
        rows = windows.index[:, 0] == sid
        values = pre.unscale_target(s.name, scaled[rows])
        if pre.returns:  # cumulated log-returns from the last observed price
            values = s.level[windows.index[rows, 1]][:, None] * np.exp(np.cumsum(values, 1))
        out[rows] = values
    return out


def test_actuals(features: ForecastFeatures) -> tuple[np.ndarray, np.ndarray]:
    """Targets of the test windows in original units `[windows, horizon]`, and the MASE
    scale of each window's series `[windows]`."""
    h, windows = features.preprocessor.horizon, features.windows["test"]
    actual = np.stack([features.series[s].level[t + 1 : t + 1 + h] for s, t in windows.index])
    return actual, np.array([features.naive_scale(s) for s in windows.index[:, 0]])


def evaluate(cfg: ForecastConfig, trained: Trained, features: ForecastFeatures) -> Report:
    e, h = cfg.evaluate, features.preprocessor.horizon
    windows = features.windows["test"]
    sids, ends = windows.index[:, 0], windows.index[:, 1]
    actual, scale = test_actuals(features)
    last = np.array([features.series[s].level[t] for s, t in windows.index])

    forecasts = {"model": forecast_levels(trained.model, features)}
    forecasts["naive"] = np.empty_like(actual)
    forecasts["seasonal_naive"] = np.empty_like(actual)
    for sid, s in enumerate(features.series):
        rows = sids == sid
        forecasts["naive"][rows] = baselines.naive(s.level, ends[rows], h)
        forecasts["seasonal_naive"][rows] = baselines.seasonal_naive(
            s.level, ends[rows], h, features.season)
    metrics = {name: point_metrics(actual, f, scale) for name, f in forecasts.items()}
    if features.is_price:
        for name in ("model",):
            metrics[name]["directional_accuracy"] = directional_accuracy(
                last, actual, forecasts[name])

    extra, notes = {}, [MASE_NOTE]
    if e.statistical != "none":
        rows = baselines.spread(len(windows), e.statistical_max_windows)
        stat = np.empty((len(rows), h))
        for sid, s in enumerate(features.series):
            mine = sids[rows] == sid
            if mine.any():
                stat[mine] = baselines.statistical(e.statistical, s.level, s.n_train,
                                                   ends[rows][mine], h, e.refit_every)
        metrics[e.statistical] = point_metrics(actual[rows], stat, scale[rows])
        extra[f"model_mae_on_{e.statistical}_windows"] = mae(actual[rows],
                                                            forecasts["model"][rows])
        notes.append(
            f"{e.statistical.upper()} is scored on {len(rows)} of the {len(windows)} test "
            f"windows (spread evenly); the model's MAE on those same windows is "
            f"{extra[f'model_mae_on_{e.statistical}_windows']:.4g}."
        )
    if features.is_price:
        notes.append("Prices follow nearly a random walk: the last value is hard to beat, "
                     "and a model that does not beat it has learned nothing tradeable.")

    backtest = _backtest(actual, forecasts, windows, features, e.backtest_windows)
    model_metrics = metrics.pop("model")
    epochs = trained.epochs_run
    return Report(
        model_metrics=model_metrics,
        baselines=metrics,
        dataset=features.dataset,
        figures={
            "forecast_vs_actual": plots.forecast_vs_actual(
                features, actual, forecasts, e.plot_series, h),
            "training_curves": core_plots.training_curves(
                trained.history, ylabel="loss (scaled target)", log_scale=True),
        },
        tables={"summary": _summary(model_metrics, metrics, notes, h), "backtest": backtest},
        artifacts={"filled_values": features.filled,
                   "preprocessor": dataclasses.asdict(features.preprocessor)},
        throughput={"train_windows_per_s": len(features.windows["train"]) * epochs
                    / max(trained.seconds, 1e-9)},
        extra_metrics={**extra, "epochs_run": epochs, "best_epoch": trained.best_epoch,
                       "n_test_windows": len(windows)},
        tags={"cell": cfg.model.cell, "lookback": str(features.preprocessor.lookback),
              "horizon": str(h), "frequency": str(features.preprocessor.frequency)},
        params=resolved_params(features),
    )


def resolved_params(features) -> dict:
    """The values featurize chose where the config left them open (None)."""
    pre = features.preprocessor
    return {"data.target": pre.target, "data.features": pre.features,
            "featurize.frequency": pre.frequency, "featurize.fill_limit": pre.fill_limit,
            "featurize.lookback": pre.lookback, "featurize.horizon": pre.horizon,
            "evaluate.season": features.season}


def _summary(model_metrics, baseline_metrics, notes, horizon):
    names = ["mae", "rmse", "smape", "mase", "mae_last_step"]
    header = (f"| forecaster | MAE | RMSE | sMAPE % | MASE | MAE at step {horizon} |\n"
              "|---|---:|---:|---:|---:|---:|\n")
    rows = [("model", model_metrics), *baseline_metrics.items()]
    body = "".join(
        f"| {name} | " + " | ".join(f"{m[k]:.4g}" for k in names) + " |\n" for name, m in rows
    )
    extra = ""
    if "directional_accuracy" in model_metrics:
        accuracy = model_metrics["directional_accuracy"]
        extra = f"\nModel directional accuracy (step 1): {accuracy:.3f}\n"
    return (f"Test windows, {horizon}-step horizon, original units.\n\n" + header + body + extra
            + "\n" + "\n".join(f"- {n}" for n in notes) + "\n")


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
