"""Baseline forecasts on the very windows the model is scored on (original units)."""

from __future__ import annotations

import warnings

import numpy as np

HISTORY = 2000  # points a statistical model is fitted and filtered on


def naive(level, ends, horizon):
    """Last value: `ŷ_{e+k} = y_e`."""
    return np.repeat(level[ends][:, None], horizon, axis=1)


def seasonal_naive(level, ends, horizon, season):
    """Same point one season back: `ŷ_{e+k} = y_{e+k-m·⌈k/m⌉}`."""
    k = np.arange(1, horizon + 1)
    back = k - season * np.ceil(k / season).astype(int)
    return level[np.asarray(ends)[:, None] + back[None, :]]


def _model(kind, endog):
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    if kind == "ets":  # ETS(A, Ad, N): additive damped trend
        return ExponentialSmoothing(endog, trend=True, damped_trend=True)
    return SARIMAX(endog, order=(2, 0, 1), trend="c")


def statistical(kind, level, n_train, ends, horizon, refit_every=0):
    """ETS or ARIMA forecasts from every origin in `ends` (statsmodels state space).

    Parameters are fitted on the last `HISTORY` train points (and refitted every
    `refit_every` origins when > 0); at each origin the fitted model filters the
    last `HISTORY` points of history and forecasts `horizon` steps.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = _model(kind, level[max(0, n_train - HISTORY) : n_train]).fit(disp=False)
        out = np.empty((len(ends), horizon))
        for i, e in enumerate(ends):
            history = level[max(0, e + 1 - HISTORY) : e + 1]
            if refit_every and i and i % refit_every == 0:
                fitted = _model(kind, history).fit(disp=False, start_params=fitted.params)
            out[i] = fitted.apply(history).forecast(horizon)
    return out


def spread(count, limit):
    """Up to `limit` indices spread evenly over `range(count)`."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))
