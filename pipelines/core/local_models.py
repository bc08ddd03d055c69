"""Loading a registered model from a local SQLite store without importing MLflow.

``rnnkit predict`` is a short process, and importing MLflow and opening its SQLAlchemy
store cost it seconds before any model loads. In the common case -- a ``sqlite:///``
store on this machine, a model logged by rnnkit's entry point into a local folder --
nothing of MLflow is needed: this module reads the registry's rows with ``sqlite3``
(read-only), resolves the version exactly as `pipelines.core.tracking.serving_model`
does (the ``champion`` alias, else the latest version, said so), and builds the task's
`pipelines.core.serving.TaskModel` from the folder's ``MLmodel`` as MLflow's code-model
loader does (``model_config["class"]``, the artifacts, the signature's param defaults).

Anything else -- another store, a remote artifact location, a model logged another way,
a registry table this MLflow version names differently, no such model -- gives ``None``,
and the caller goes through MLflow, which also words the errors.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import yaml

from pipelines.core.naming import CHAMPION, registered_model_name, say_on_stderr, serving_note
from pipelines.core.serving import task_model_class

CODE_MODEL_LOADER = "mlflow.pyfunc.loaders.code_model"
ENTRY_POINT = "pyfunc_entry.py"
_MODELS_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[^/]+)|/(?P<version>\d+))$")


def sqlite_store() -> Path | None:
    """The SQLite file of the tracking store MLflow would use here, if it is one.

    ``$MLFLOW_TRACKING_URI`` when set; else MLflow 3's default, ``sqlite:///mlflow.db``
    in the working directory, unless ``./mlruns`` holds a file store's experiments.
    """
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        legacy = Path("mlruns")
        if legacy.is_dir() and any(p.name.isdigit() and (p / "meta.yaml").exists()
                                   for p in legacy.iterdir()):
            return None
        uri = "sqlite:///mlflow.db"
    if not uri.startswith("sqlite:///"):
        return None
    path = Path(unquote(uri[len("sqlite:///"):]))
    return path if path.is_file() else None


def _rows(db: Path, query: str, args: tuple) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute(query, args).fetchall()


@dataclass(frozen=True)
class Resolved:
    """A model version's local folder and the line saying which model serves."""

    folder: Path
    note: str


def resolve(task: str, uri: str | None = None) -> Resolved | None:
    """The folder of ``uri`` (``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``), or of
    the version of ``rnnkit-<task>`` that serves when ``uri`` is None; None when this
    cannot be read here without MLflow."""
    db = sqlite_store()
    match = _MODELS_URI.match(uri) if uri is not None else None
    if db is None or (uri is not None and match is None):
        return None
    name, alias, version = ((match["name"], match["alias"], match["version"]) if match
                            else (registered_model_name(task), None, None))
    try:
        if version is None:
            found = _version(db, name, alias or CHAMPION, latest_if_none=uri is None)
            if found is None:
                return None
            version, alias = found
        location = _rows(db, "SELECT storage_location FROM model_versions WHERE name = ? "
                             "AND version = ? AND status = 'READY'", (name, int(version)))
    except (sqlite3.Error, ValueError):
        return None
    folder = _local_folder(location[0][0]) if location and location[0][0] else None
    if folder is None:
        return None
    note = f"serving {uri}" if uri is not None else serving_note(name, version, task, alias)
    return Resolved(folder, note)


def _version(db: Path, name: str, alias: str, latest_if_none: bool):
    """``(version, alias)`` of ``name``'s ``alias``; without it and ``latest_if_none``,
    ``(latest version, None)`` as `pipelines.core.tracking.serving_model` falls back;
    else None."""
    found = _rows(db, "SELECT version FROM registered_model_aliases WHERE name = ? "
                      "AND alias = ?", (name, alias))
    if found:
        return str(found[0][0]), alias
    if not latest_if_none:
        return None
    latest = _rows(db, "SELECT MAX(version) FROM model_versions WHERE name = ? "
                       "AND current_stage != 'Deleted_Internal'", (name,))
    return (str(latest[0][0]), None) if latest and latest[0][0] is not None else None


def _local_folder(location: str) -> Path | None:
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        return None
    folder = Path(unquote(parsed.path))
    return folder if (folder / "MLmodel").is_file() else None


class LocalPyfunc:
    """What `mlflow.pyfunc.load_model` returns, for a model of rnnkit's entry point:
    ``predict(data, params)`` with the signature's param defaults filled in, and
    ``unwrap_python_model()`` (the task's `TaskModel`)."""

    def __init__(self, inner, param_defaults: dict):
        self.inner, self.param_defaults = inner, param_defaults

    def predict(self, data, params: dict | None = None):
        known = {k: v for k, v in (params or {}).items() if k in self.param_defaults}
        return self.inner.predict(None, data, {**self.param_defaults, **known})

    def unwrap_python_model(self):
        return self.inner


def load(folder: Path) -> LocalPyfunc | None:
    """The pyfunc in ``folder``, or None when it is not a model of rnnkit's entry point."""
    try:
        meta = yaml.safe_load((folder / "MLmodel").read_text())
        flavor = meta["flavors"]["python_function"]
        class_path = (flavor.get("config") or {})["class"]
        if flavor.get("loader_module") != CODE_MODEL_LOADER or \
                Path(flavor.get("model_code_path", "")).name != ENTRY_POINT:
            return None
        artifacts = {name: str(folder / spec["path"])
                     for name, spec in (flavor.get("artifacts") or {}).items()}
        params = json.loads((meta.get("signature") or {}).get("params") or "[]")
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return None
    inner = task_model_class(class_path)()
    inner.load_context(SimpleNamespace(artifacts=artifacts, model_config=flavor["config"]))
    return LocalPyfunc(inner, {p["name"]: p.get("default") for p in params})


def load_task_model(task: str, uri: str | None = None, say=None):
    """`pipelines.core.tracking.load_task_model`, without MLflow where this module can
    read the model (same model, same note on stderr), through MLflow otherwise."""
    resolved = resolve(task, uri)
    try:
        model = load(resolved.folder) if resolved is not None else None
    except Exception:  # noqa: BLE001 - MLflow's path loads it again and words the error
        model = None
    if model is None:
        from pipelines.core import tracking

        return tracking.load_task_model(task, uri, say)
    (say or say_on_stderr)(resolved.note)
    return model

