"""Signals as exceptions, so a stopped job ends its MLflow run instead of vanishing.

A plain SIGTERM (``kill``, ``systemctl stop``, a cron or CI timeout) ends a Python
process without running ``finally`` blocks or ``except`` clauses, which would leave the
MLflow run RUNNING forever. Inside ``terminate_as_exit`` it raises
``SystemExit(128 + SIGTERM)`` instead: the runner marks the run FAILED, a retrain tags
its challenger, and the process still exits with 143, as the shell expects.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def terminate_as_exit() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit(143)`` for the ``with`` block (main thread only)."""

    def _exit(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, _exit)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
