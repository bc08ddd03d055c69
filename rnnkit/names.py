"""Names of the recurrent-layer registry, importable without Keras.

`rnnkit.models.registry` builds a layer for each of these names; task configs check a
`model.cell` against this list without importing Keras.
"""

RECURRENT_NAMES = (
    "simple",
    "elman",
    "leaky",
    "skip_delay",
    "multiscale",
    "dt",
    "dts",
    "lstm",
    "gru",
    "stacked",
)
