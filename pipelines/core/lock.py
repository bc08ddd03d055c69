"""One job at a time: an OS advisory lock (``fcntl.flock``) on a small file.

The kernel drops a ``flock`` when the process holding it exits, however it exits
(crash, ``kill -9``, power loss of the process), so a lock is never left stuck: no stale
PID files to clean. The lock file itself stays (deleting it would let two processes
lock two different files); it holds the PID and start time of the last holder, for the
"already running" message.

Where: ``$RNNKIT_LOCK_DIR`` if set, else ``$XDG_CACHE_HOME/rnnkit/locks``
(``~/.cache/rnnkit/locks``). One file per job and tracking store:
``retrain-<task>-<hash of the store>.lock``, where the store is the tracking URI in
one spelling (``store_key``): ``http://localhost:5000/``, ``http://127.0.0.1:5000`` and
``HTTP://LOCALHOST:5000`` are one server, ``sqlite:///mlflow.db`` run from ``/srv`` is
``sqlite:////srv/mlflow.db``. A ``flock`` is local to one machine: two hosts
retraining against one remote MLflow server are kept apart instead by the guarded move
of the ``champion`` alias (``pipelines.core.promotion``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.core.errors import RnnkitUserError


class AlreadyRunningError(RnnkitUserError):
    """Another process holds the job's lock (exit status 3)."""

    exit_code = 3


def lock_dir() -> Path:
    """``$RNNKIT_LOCK_DIR``, else ``$XDG_CACHE_HOME/rnnkit/locks`` (``~/.cache/...``)."""
    if os.environ.get("RNNKIT_LOCK_DIR"):
        return Path(os.environ["RNNKIT_LOCK_DIR"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "rnnkit" / "locks"


LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"}
DEFAULT_PORTS = {"http": 80, "https": 443}


def store_key(tracking_uri: str) -> str:
    """One spelling of a tracking URI: lower-case scheme and host, loopback names as
    ``127.0.0.1``, default ports dropped and explicit, no trailing ``/``; local paths
    (``sqlite:///x.db``, ``file:`` or a plain folder) absolute and resolved."""
    uri = tracking_uri.strip()
    parts = urllib.parse.urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = (parts.hostname or "").lower()
        host = "127.0.0.1" if host in LOOPBACK else host
        port = parts.port or DEFAULT_PORTS[scheme]
        path = parts.path.rstrip("/")
        return f"{scheme}://{host}:{port}{path}"
    if scheme == "sqlite" or scheme.startswith("sqlite+"):
        path = uri.split(":///", 1)[1] if ":///" in uri else parts.path
        return f"sqlite:///{_resolved(path)}" if path not in ("", ":memory:") else uri
    if scheme == "file":
        return "file://" + _resolved(urllib.parse.unquote(parts.path))
    if uri == "databricks" or uri.startswith("databricks://"):
        return uri
    if not scheme or len(scheme) == 1:  # a plain path (or a Windows drive letter)
        return "file://" + _resolved(uri)
    return uri.rstrip("/")


def _resolved(path: str) -> str:
    return str(Path(path).expanduser().resolve())


def store_lock_path(tracking_uri: str) -> Path:
    """The lock file held while a new store's tables are created (``tracking.ensure_store``)."""
    digest = hashlib.sha256(store_key(tracking_uri).encode("utf-8")).hexdigest()[:12]
    return lock_dir() / f"store-{digest}.lock"


@contextmanager
def waiting(path: Path) -> Iterator[Path]:
    """Hold an exclusive ``flock`` on ``path`` for the block, waiting for it if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(fd)


def retrain_lock_path(task: str, tracking_uri: str) -> Path:
    """The lock file of ``rnnkit retrain TASK`` against the store ``tracking_uri``."""
    digest = hashlib.sha256(store_key(tracking_uri).encode("utf-8")).hexdigest()[:12]
    return lock_dir() / f"retrain-{task}-{digest}.lock"


@contextmanager
def exclusive(path: Path, job: str) -> Iterator[Path]:
    """Hold an exclusive, non-blocking ``flock`` on ``path`` for the ``with`` block.

    Raises:
        AlreadyRunningError: another process holds it; the message names ``job``,
            the holder's PID and start time, and the lock file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise AlreadyRunningError(
                f"{job} is already running ({holder}; lock {path}). This run changed "
                "nothing. The lock is released as soon as that process exits."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}"
                  .encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock
