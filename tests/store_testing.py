"""New MLflow sqlite stores for tests, each a copy of one store migrated once per process.

MLflow runs its schema migrations on every new sqlite store, about 2 s of CPU in every
test with a store of its own; a copy of a freshly migrated store has the same tables and
the same ``Default`` experiment, in milliseconds. Tests of the migration itself
(tests/pipelines/core/test_core_store.py) create their stores from nothing.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

_TEMPLATE_HOME = tempfile.TemporaryDirectory(prefix="rnnkit-store-template-")


@functools.cache
def _template() -> Path:
    import mlflow

    path = Path(_TEMPLATE_HOME.name) / "mlflow.db"
    mlflow.MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments(max_results=1)
    return path


def store_at(path: Path) -> str:
    """The URI of a sqlite store at ``path``: a copy of the migrated empty store unless a
    store is there already (then left as it is); the parent folder is created."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template(), path)
    return f"sqlite:///{path}"
