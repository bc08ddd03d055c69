"""rnnkit: recurrent networks of the classic literature for Keras 3.

The library is pure Keras (`keras.ops`), with no file I/O and no tracking:
`rnnkit.layers` holds the cells and layers, `rnnkit.models` the registry and
task models, `rnnkit.diagnostics` gradient-through-time tools and plots.
"""

__version__ = "0.1.0"
