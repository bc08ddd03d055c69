"""How long a 5-fold backtest of the forecaster takes against one pass over the test set.

    python experiments/bench_backtest.py [--source seattle-weather] [--repeats 3]
                                         [--out experiments/results/backtest.md]

Featurizes the source as `rnnkit run forecast` does (default profile), trains the
default model for a few epochs (the timings do not depend on how well it fits), then
times, median over repeats:

- one pass: the model's forecasts of every test window (`evaluate.model_outputs`);
- 5-fold backtest, no refit: the same pass cut into 5 consecutive folds of origins,
  each scored (what `tables/backtest.md` reports);
- 5-fold backtest with refits: `evaluate.refit_every` = ⌈origins / 5⌉, one warm-started
  epoch before each later fold (`pipelines.forecast.refit`);
- a per-origin loop: one `predict` per forecast origin, as a backtest that forecasts
  each origin on its own does (timed on 50 origins, scaled to all).

This is a benchmark, not a test: this machine's run-to-run spread reaches 2x.
"""

import argparse
import math
import os
import platform
import statistics
import time
from pathlib import Path

import keras
import numpy as np

from pipelines.core.config import load_config
from pipelines.forecast import evaluate as forecast_evaluate
from pipelines.forecast import ingest, refit
from pipelines.forecast.featurize import featurize
from pipelines.forecast.metrics import mae
from pipelines.forecast.train import train

CONFIG = Path(__file__).parents[1] / "pipelines" / "forecast" / "config.yaml"


def timed(fn, repeats):
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="seattle-weather")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="experiments/results/backtest.md")
    args = parser.parse_args()

    from pipelines.forecast.config import ForecastConfig

    cfg = load_config(ForecastConfig, CONFIG, "default",
                      [f"data.source={args.source}", f"train.epochs={args.epochs}"])
    features = featurize(cfg, ingest.ingest(cfg))
    trained = train(cfg, features)
    model, test = trained.model, features.windows["test"]
    origins = np.unique(features.times_at(test.index))
    actual, _ = forecast_evaluate.split_actuals(features)
    outputs = forecast_evaluate.model_outputs

    def one_pass():
        outputs(model, features)

    def five_folds():
        forecast = outputs(model, features)
        order = np.argsort(features.times_at(test.index), kind="stable")
        return [mae(actual[rows], forecast[rows]) for rows in np.array_split(order, 5)]

    every = math.ceil(len(origins) / 5)
    refit_cfg = load_config(ForecastConfig, CONFIG, "default", [
        f"data.source={args.source}", f"evaluate.refit_every={every}", "evaluate.refit_epochs=1"])

    def five_folds_refit():
        refit.refit_outputs(refit_cfg, trained, features, outputs)

    sample = np.linspace(0, len(test) - 1, min(50, len(test))).round().astype(int)

    def per_origin():
        for row in sample:
            x = test.inputs(np.array([row])).astype("float32")
            model.predict(x, verbose=0)

    one_pass(), five_folds(), per_origin()  # warm-up: traces and compiles
    rows = [("one pass over the test set", timed(one_pass, args.repeats)),
            ("5-fold backtest, no refit", timed(five_folds, args.repeats)),
            ("5-fold backtest, 4 warm-started refits (1 epoch)",
             timed(five_folds_refit, args.repeats)),
            (f"per-origin predict loop (50 origins timed, scaled to {len(test)})",
             timed(per_origin, args.repeats) * len(test) / len(sample))]
    base = rows[0][1]
    lines = [f"# Forecast backtest timings ({args.source})", "",
             f"`python experiments/bench_backtest.py --source {args.source}` on "
             f"{platform.machine()}, {os.cpu_count()} cores, Keras {keras.__version__} "
             f"({keras.backend.backend()}); {len(test)} test windows, {len(origins)} origins, "
             f"{len(features.windows['train'])} train windows, lookback "
             f"{features.preprocessor.lookback}, horizon {features.preprocessor.horizon}; "
             f"median of {args.repeats}.", "",
             "| what | seconds | × one pass |", "|---|---:|---:|"]
    lines += [f"| {name} | {s:.3f} | {s / base:.2f} |" for name, s in rows]
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
