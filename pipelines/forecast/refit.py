"""The model refit through the test period (`evaluate.refit_every`): a rolling-origin
backtest in which the model learns each stretch of the test period once it is observed.

```
origins o_1 < o_2 < … : the distinct times test forecasts are made (all series)
chunk k = origins o_{kN+1} … o_{(k+1)N}                    N = evaluate.refit_every
before chunk k > 0: θ ← θ + refit_epochs epochs of Adam on every window (train, val,
                    test) whose whole horizon is observed at o_{kN+1}    (warm start)
```

The chunk's forecasts then come from θ: no forecast sees an outcome after its origin.
The registered model stays the one trained before the test period (its calibration and
its metrics are those of a model that has not seen the test data).
"""

from __future__ import annotations

import dataclasses
import sys

import keras
import numpy as np

from pipelines.forecast.config import ForecastConfig
from pipelines.forecast.featurize import SPLITS, ForecastFeatures
from pipelines.forecast.train import Trained, build_model
from pipelines.forecast.windows import WindowSet


def refit_outputs(cfg: ForecastConfig, trained: Trained, features: ForecastFeatures,
                  outputs_of) -> tuple[np.ndarray, int]:
    """The model's test outputs (original units, as `outputs_of(model, features, split)`
    gives them) with a warm-started refit every `evaluate.refit_every` origins; and the
    number of refits made."""
    e, test = cfg.evaluate, features.windows["test"]
    made = features.times_at(test.index)
    starts = np.unique(made)[:: e.refit_every]
    chunk_of = np.searchsorted(starts, made, side="right") - 1
    model = _warm_copy(cfg, trained.model, features)
    out, bar = None, keras.utils.Progbar(len(starts), unit_name="refit",
                                         verbose=1 if sys.stdout.isatty() else 0)
    for k, start in enumerate(starts):
        if k:
            observed = _observed(features, start)
            model.fit(_view(features, observed).batches(
                "refit", cfg.train.batch_size, shuffle=True, seed=cfg.train.seed + k),
                epochs=e.refit_epochs, verbose=0)
        # the whole test set at each state (one shape: no retracing), this chunk kept
        values = outputs_of(model, features, "test")
        out = values if out is None else out
        out[chunk_of == k] = values[chunk_of == k]
        bar.update(k + 1)
    return out, len(starts) - 1


def _warm_copy(cfg, model, features):
    """A compiled copy of `model` with its weights, at the learning rate it ended on."""
    pre = features.preprocessor
    copy = build_model(cfg, pre.lookback, features.series[0].matrix.shape[1], pre.horizon,
                       len(pre.series_index))
    copy.set_weights(model.get_weights())
    rate = model.optimizer.learning_rate
    copy.optimizer.learning_rate = float(keras.ops.convert_to_numpy(rate))
    return copy


def _observed(features, origin) -> WindowSet:
    """Every train, val and test window whose last target is observed at `origin`."""
    pre = features.preprocessor
    index = np.concatenate([features.windows[s].index for s in SPLITS])
    known = features.times_at(index, pre.horizon) <= origin
    return WindowSet(*_arrays(features), index[known], pre.lookback, pre.horizon)


def _arrays(features):
    return [s.matrix for s in features.series], [s.target for s in features.series]


def _view(features, windows: WindowSet) -> ForecastFeatures:
    return dataclasses.replace(features, windows={"refit": windows})
