"""A multi-step forecaster: recurrent encoder of a window, dense or deep-output head."""

import keras

from rnnkit.layers import DeepOutput, MonotoneQuantiles, SeriesEmbedding
from rnnkit.models.registry import build_recurrent


def build_forecaster(
    lookback,
    num_features,
    horizon,
    *,
    cell="gru",
    units=64,
    bidirectional=False,
    deep_output=(),
    dropout=0.0,
    quantiles=(),
    num_series=0,
    series_embedding=0,
    name="forecaster",
    **cell_kwargs,
):
    """`[B, lookback, num_features] -> [B, horizon]`: all horizon steps at once.

    ```
    h_T = RNN(x_1 … x_T)                 (any registry cell, optionally bidirectional)
    ŷ_{T+1 … T+H} = V h_T + c            (or a DeepOutput MLP when deep_output is set)
    ```
    With `quantiles` the head emits `H·Q` values and `MonotoneQuantiles` turns them into
    `[B, H, Q]` non-crossing quantiles (train with `PinballLoss(quantiles)`).
    With `series_embedding` the model is global: its inputs are
    `{"window": [B, T, F], "series": [B]}` and every step reads `[x_t ; E[s]]`
    (`SeriesEmbedding`; ids outside 0 … num_series-1 read the unseen-series row).

    Args:
        lookback: Input window length `T` (`None` for any length).
        num_features: Input features per step.
        horizon: Steps forecast, `H`.
        cell, units, bidirectional: see `rnnkit.models.build_recurrent`.
        deep_output: Hidden widths of a `DeepOutput` head; empty = linear head.
        dropout: Dropout between the recurrent layer and the head.
        quantiles: Levels in (0, 1), increasing, for a quantile forecaster; empty = point.
        num_series: Series seen in training (the embedding's rows, besides the unseen one).
        series_embedding: Width of a learned series embedding; 0 = none (one input).
        **cell_kwargs: Passed to the recurrent layer.

    Example:

    ```python
    model = build_forecaster(48, 7, 24, cell="leaky", units=32)
    model.output_shape  # (None, 24)
    ```
    """
    window = keras.Input((lookback, num_features), name="window")
    inputs, steps = window, window
    if series_embedding:
        series = keras.Input((), dtype="int32", name="series")
        inputs = {"window": window, "series": series}
        steps = SeriesEmbedding(num_series, series_embedding, name="series_embedding")(
            [window, series])
    hidden = build_recurrent(cell, units, bidirectional=bidirectional, **cell_kwargs)(steps)
    if dropout:
        hidden = keras.layers.Dropout(dropout)(hidden)
    width = horizon * len(quantiles) if quantiles else horizon
    if deep_output:
        outputs = DeepOutput(width, hidden_units=tuple(deep_output), name="head")(hidden)
    else:
        outputs = keras.layers.Dense(width, name="head")(hidden)
    if quantiles:
        outputs = MonotoneQuantiles(horizon, quantiles, name="quantiles")(outputs)
    return keras.Model(inputs, outputs, name=name)
