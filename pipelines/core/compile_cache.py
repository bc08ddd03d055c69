"""A persistent XLA compilation cache for the short serving commands on JAX.

A cold ``rnnkit predict`` on JAX spends seconds compiling: every variable's initializer
while the saved model is rebuilt, then the predict step. JAX can keep compiled programs
on disk (its persistent compilation cache), and then the next ``rnnkit predict`` of the
same model compiles nothing (measured in ``experiments/bench_cold_start.py``).

``rnnkit predict``, ``translate`` and ``serve`` turn it on before JAX is imported:
programs of any compile time are kept in ``$XDG_CACHE_HOME/rnnkit/jax`` (default
``~/.cache/rnnkit/jax``), at most 256 MiB, the least recently used evicted first
(JAX caps it only with the ``filelock`` package, in rnnkit's ``jax`` extra).
A user's own ``JAX_COMPILATION_CACHE_DIR`` (and the other ``JAX_*`` cache settings)
win; ``RNNKIT_JAX_CACHE=0`` turns it off. TensorFlow never reads these variables, and
a process that has already imported JAX is left as it is.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

MAX_BYTES = 256 * 2**20


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rnnkit/jax``, default ``~/.cache/rnnkit/jax``."""
    home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(home) / "rnnkit" / "jax"


def enable_for_serving() -> bool:
    """Set JAX's persistent-cache variables (unless set, off, or JAX is imported);
    True when the cache is on for this process."""
    if os.environ.get("RNNKIT_JAX_CACHE", "1") == "0" or "jax" in sys.modules:
        return False
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(cache_dir()))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    if importlib.util.find_spec("filelock") is not None:  # JAX needs it to cap the size
        os.environ.setdefault("JAX_COMPILATION_CACHE_MAX_SIZE", str(MAX_BYTES))
    return True
