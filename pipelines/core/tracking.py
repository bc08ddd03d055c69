"""The one module that talks to MLflow.

Conventions (DESIGN.md, "MLflow conventions"): the tracking URI is
``$MLFLOW_TRACKING_URI`` else MLflow's default (``sqlite:///mlflow.db`` in the working
directory); one experiment per task, ``rnnkit-<task>``; params are the flattened
config; metrics are per-epoch curves, final test and baseline metrics, throughput and
stage durations; the model is registered as ``rnnkit-<task>``.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import mlflow

from pipelines.core import naming
from pipelines.core.config import flatten
from pipelines.core.errors import RnnkitUserError
from pipelines.core.naming import CHAMPION, SMOKE_PROFILE, registered_model_name

MAX_PARAM_CHARS = 6000  # MLflow's limit on a param value
RunStatus = Literal["FINISHED", "FAILED", "KILLED"]


@dataclass(frozen=True)
class ActiveRun:
    """The MLflow run a task is logging to; handed to the task's ``register`` hook.

    ``profile`` picks the registered model a ``register`` hook writes to: a smoke run
    never registers under the serving name (``registered_model_name``).
    """

    task: str
    run_id: str
    experiment_id: str
    profile: str = "default"

    @property
    def registered_model(self) -> str:
        """The registered model this run's model goes to."""
        return registered_model_name(self.task, self.profile)

    def log_and_register_model(self, log_model: Callable[[], Any], name: str | None = None):
        """Shortcut for ``log_and_register_model(self.task, log_model, name)``, registered
        under ``name`` or else this run's ``registered_model``."""
        return log_and_register_model(self.task, log_model, name or self.registered_model)


def tracking_uri() -> str:
    """``$MLFLOW_TRACKING_URI`` if set, else MLflow's default store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or mlflow.get_tracking_uri()


_READY_STORES: set[str] = set()


def ensure_store(uri: str | None = None) -> None:
    """Create a new sqlite store's tables under a file lock, once per process.

    Two jobs starting at once on a fresh ``sqlite:///mlflow.db`` would otherwise both
    run MLflow's schema migrations, and one fails ("duplicate column name") leaving the
    store half-migrated. Concurrent jobs should use ``mlflow server`` (README); this
    makes the plain default safe too. Other stores need nothing.
    """
    uri = uri or tracking_uri()
    if uri in _READY_STORES or not uri.startswith("sqlite:"):
        return
    from pipelines.core import lock

    with lock.waiting(lock.store_lock_path(uri)):
        mlflow.MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    _READY_STORES.add(uri)


def client() -> mlflow.MlflowClient:
    """A client of the store ``tracking_uri`` names (created safely on first use)."""
    ensure_store()
    return mlflow.MlflowClient(tracking_uri=tracking_uri())


def experiment_name(task: str) -> str:
    """The task's experiment: ``rnnkit-<task>``."""
    return f"rnnkit-{task}"


def start_run(task: str, run_name: str | None = None, profile: str = "default") -> ActiveRun:
    """Start a run in the task's experiment (created on first use)."""
    ensure_store()
    experiment = mlflow.set_experiment(experiment_name(task))
    run = mlflow.start_run(experiment_id=experiment.experiment_id, run_name=run_name)
    return ActiveRun(task=task, run_id=run.info.run_id, experiment_id=experiment.experiment_id,
                     profile=profile)


def unique_run_name(task: str, base: str) -> str:
    """``base``, or ``base #N`` when N-1 runs of the task's experiment already carry it."""
    store = client()
    experiment = store.get_experiment_by_name(experiment_name(task))
    if experiment is None:
        return base
    quoted = base.replace("'", "\\'")
    taken = store.search_runs([experiment.experiment_id], max_results=1000,
                              filter_string=f"attributes.run_name LIKE '{quoted}%'")
    names = {r.info.run_name for r in taken}
    if base not in names:
        return base
    n = 2
    while f"{base} #{n}" in names:
        n += 1
    return f"{base} #{n}"


def end_run(status: RunStatus = "FINISHED") -> None:
    """End the active run with ``status`` (``FAILED`` when a stage raised)."""
    mlflow.end_run(status=status)


def fail_run(run_id: str, tags: Mapping[str, Any]) -> None:
    """Tag the run ``run_id`` and end it FAILED, from outside the process that runs it
    (``rnnkit run --processes`` when a worker died)."""
    store = client()
    for key, value in tags.items():
        store.set_tag(run_id, key, _param_value(value))
    store.set_terminated(run_id, status="FAILED")


def run_status(run_id: str) -> str:
    """The run's status (``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED``)."""
    return client().get_run(run_id).info.status


def log_params(cfg: Any, skip_none: bool = False) -> dict[str, Any]:
    """Log the flattened config (``train.epochs`` ...) as run params; with
    ``skip_none``, the keys whose value is None (resolved later: ``log_resolved``).
    Returns the flattened config."""
    flat = flatten(cfg)
    params = {k: _param_value(v) for k, v in flat.items() if not (skip_none and v is None)}
    mlflow.log_params(params)
    return flat


def log_resolved(flat: Mapping[str, Any], resolved: Mapping[str, Any]) -> None:
    """Log the params ``log_params(skip_none=True)`` left out: each as the value a stage
    resolved it to (``featurize.lookback`` None -> 30), else as ``None``."""
    missing = {k: resolved.get(k) for k, v in flat.items() if v is None}
    if missing:
        mlflow.log_params({k: _param_value(_plain_param(v)) for k, v in missing.items()})


def _plain_param(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str)
    return value


def describe_run(text: str) -> None:
    """The run's description (MLflow's note, shown on the run page)."""
    mlflow.set_tag("mlflow.note.content", text)


def describe_version(name: str, version: str, text: str, tags: Mapping[str, Any]) -> None:
    """Description and tags of a registered model version (shown in the registry)."""
    store = client()
    store.update_model_version(name, version, description=text)
    for key, value in tags.items():
        if value not in (None, ""):
            store.set_model_version_tag(name, version, key, str(value))


def log_dataset(provenance: Any, context: str = "training") -> None:
    """The run's dataset as an MLflow dataset input (source, digest, schema; no data):
    the Dataset column of the runs table. ``provenance`` is a ``types.Provenance``.

    One input per run: the store keeps one input per (run, dataset), so a second
    context for the same dataset would be dropped; the splits are params."""
    from mlflow.data.meta_dataset import MetaDataset

    dataset = MetaDataset(_dataset_source(provenance), name=str(provenance.source),
                          digest=_digest(provenance), schema=_schema(provenance.schema))
    mlflow.log_input(dataset, context=context)


def _dataset_source(provenance: Any):
    path = Path(provenance.path) if provenance.path else None
    if path is not None and path.exists():
        from mlflow.data.dataset_source_registry import resolve_dataset_source

        with warnings.catch_warnings():  # "can be interpreted in multiple ways": all local
            warnings.simplefilter("ignore", UserWarning)
            return resolve_dataset_source(str(path.resolve()))  # a local file source
    from mlflow.data.code_dataset_source import CodeDatasetSource

    return CodeDatasetSource({"mlflow.source.name": provenance.path or provenance.source})


def _digest(provenance: Any) -> str:
    if provenance.sha256:
        return provenance.sha256[:16]
    import hashlib

    text = f"{provenance.source}|{provenance.path}|{provenance.rows}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _schema(columns: Mapping[str, str] | None):
    if not columns:
        return None
    from mlflow.types.schema import ColSpec, Schema

    kinds = {"float64": "double", "float32": "float", "int64": "long", "int32": "integer",
             "bool": "boolean", "object": "string", "string": "string",
             "datetime64[ns]": "datetime"}
    return Schema([ColSpec(kinds.get(str(kind), "string"), name)
                   for name, kind in columns.items()])


def log_images(figures: Mapping[str, Any]) -> None:
    """Figures as MLflow images by key, which the compare view shows side by side."""
    for name, fig in figures.items():
        mlflow.log_image(_figure_image(fig), key=_file_safe(name), step=0)


def _figure_image(fig):
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """Log numeric metrics; names are made MLflow-safe, values converted to float."""
    clean = {metric_key(k): float(v) for k, v in metrics.items() if _is_number(v)}
    if clean:
        mlflow.log_metrics(clean, step=step)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set run tags, skipping empty values."""
    mlflow.set_tags({k: str(v) for k, v in tags.items() if v not in (None, "")})


def log_text(text: str, artifact_file: str) -> None:
    """Write ``text`` as the artifact ``artifact_file`` (e.g. ``config.yaml``)."""
    mlflow.log_text(text, artifact_file)


def log_json(obj: Any, artifact_file: str) -> None:
    """Write ``obj`` as indented JSON to the artifact ``artifact_file``."""
    mlflow.log_text(json.dumps(obj, indent=2, sort_keys=False, default=str), artifact_file)


def log_path(path: str | Path, artifact_path: str | None = None) -> None:
    """Log a file or a whole folder as artifacts."""
    path = Path(path)
    if path.is_dir():
        mlflow.log_artifacts(str(path), artifact_path=artifact_path)
    else:
        mlflow.log_artifact(str(path), artifact_path=artifact_path)


def log_figures(figures: Mapping[str, Any], folder: str = "figures",
                images: bool = False) -> None:
    """Log matplotlib figures as ``<folder>/<name>.png`` (with ``images``, also as MLflow
    images for the compare view) and close them."""
    if images:
        log_images(figures)
    for name, fig in figures.items():
        mlflow.log_figure(fig, f"{folder}/{_file_safe(name)}.png")
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except Exception:  # closing is housekeeping; never fail a run over it
            pass


def log_tables(tables: Mapping[str, Any], folder: str = "tables") -> None:
    """Log text tables as ``.md`` and pandas DataFrames as ``.csv`` under ``folder``."""
    for name, table in tables.items():
        stem = f"{folder}/{_file_safe(name)}"
        if hasattr(table, "to_csv"):
            mlflow.log_text(table.to_csv(index=True), stem + ".csv")
        else:
            mlflow.log_text(str(table), stem + ".md")


def log_artifacts(artifacts: Mapping[str, Any]) -> None:
    """Log ``Report.artifacts``: paths as files/folders, anything else as JSON."""
    for name, value in artifacts.items():
        if isinstance(value, Path):
            log_path(value, artifact_path=_file_safe(name) if value.is_dir() else None)
        else:
            log_json(value, name if Path(name).suffix else f"{name}.json")


def git_commit() -> str | None:
    """The current git commit of the working directory, or None outside a repository."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def keras_backend() -> str:
    """The Keras backend in use, without importing Keras just to ask."""
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def epoch_callback(prefix: str = ""):
    """A Keras callback logging each epoch's ``logs`` with step=epoch, named by split
    (``train/loss``, ``val/loss``; ``pipelines.core.naming``), and its wall time as
    ``time/epoch_s`` (the first epoch includes compilation).

    It does nothing when no MLflow run is active, so a task's ``train`` stage can always
    add it and still be unit-tested without a tracking store. (``mlflow.keras.
    MlflowCallback`` would instead start a stray run, and it also logs optimizer params.)
    """
    import keras  # imported here: only training needs it

    class EpochMetrics(keras.callbacks.Callback):
        started = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if mlflow.active_run() is not None:
                seconds = {"epoch_seconds": time.perf_counter() - self.started}
                log_metrics({prefix + naming.epoch_metric(k): v
                             for k, v in {**(logs or {}), **seconds}.items()}, step=epoch)

    return EpochMetrics()


def log_and_register_model(task: str, log_model: Callable[[], Any], name: str | None = None):
    """Log the model with a task-chosen flavour, then register it as ``rnnkit-<task>``.

    Args:
        task: the task's name.
        log_model: called inside the active run; logs the model (``mlflow.keras.log_model``
            or ``mlflow.pyfunc.log_model``, with signature and input example) and returns
            its ``ModelInfo`` or model URI.
        name: registered model name; default ``rnnkit-<task>`` (``ActiveRun`` passes
            its profile's name).

    Returns:
        The new ``mlflow.entities.model_registry.ModelVersion``.
    """
    logged = log_model()
    uri = logged if isinstance(logged, str) else logged.model_uri
    return mlflow.register_model(uri, name or registered_model_name(task))


def metric_key(name: str) -> str:
    """``name`` with characters MLflow rejects in metric names replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", str(name))


def _file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-.]", "_", str(name))


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str)


def _param_value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= MAX_PARAM_CHARS else text[: MAX_PARAM_CHARS - 3] + "..."


def is_finite(value: Any) -> bool:
    """True for a finite int/float (the only metric values a report may hold)."""
    return _is_number(value) and math.isfinite(float(value))


def log_model_package(run: ActiveRun, package):
    """Log a task's ``serving.ModelPackage`` as one pyfunc, and register it.

    The pyfunc is a "model from code" (``pipelines/core/pyfunc_entry.py``, with the
    package's ``model_class`` -- a ``pipelines.core.serving.TaskModel`` -- named in its
    ``model_config``), so nothing is pickled; its artifacts are ``model`` (the ``.keras``
    file) and, for each ``name: obj`` of ``preprocessors``, ``name`` (``obj.save(path)``
    writes ``<name>.json``). The signature's output is what ``model_class`` answers for
    the example in-process, the code path of the loaded model.

    Returns:
        ``(ModelVersion, output)``: the registered version of the run's registered
        model, and the in-process answers to the example.
    """
    import keras
    import numpy as np
    import pandas as pd

    from pipelines.core import serving

    output = package.answers()
    signature = _signature(package, output)
    requirements = [f"keras=={keras.__version__}", f"mlflow=={mlflow.__version__}",
                    f"pandas=={pd.__version__}", f"numpy=={np.__version__}",
                    *package.requirements]
    entry_point = Path(serving.__file__).with_name("pyfunc_entry.py")
    set_tags(package.tags)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "model.keras"
        package.keras_model.save(model_path)
        artifacts = {"model": str(model_path)}
        for name, preprocessor in package.preprocessors.items():
            artifacts[name] = str(preprocessor.save(Path(tmp) / f"{name}.json"))
        version = run.log_and_register_model(lambda: mlflow.pyfunc.log_model(
            name="model", python_model=str(entry_point), artifacts=artifacts,
            model_config={"class": serving.class_path(package.model_class)},
            signature=signature, input_example=package.example,
            pip_requirements=requirements,
        ))
    return version, output


def _signature(package, output):
    """Inferred from the example and its answers; ``optional_columns`` (name -> MLflow
    type) replace the inferred inputs, none of them required."""
    inferred = mlflow.models.infer_signature(package.example, output, params=package.params)
    if not package.optional_columns:
        return inferred
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Array, ColSpec, Schema

    def kind_of(text: str):  # "string", "long", "double" or "array<double>"
        return Array(text[6:-1]) if text.startswith("array<") else text

    inputs = Schema([ColSpec(kind_of(kind), name, required=False)
                     for name, kind in package.optional_columns.items()])
    return ModelSignature(inputs, inferred.outputs, inferred.params)


def champion_uri(task: str, profile: str | None = None) -> str:
    """``models:/rnnkit-<task>@champion``."""
    return f"models:/{registered_model_name(task, profile)}@{CHAMPION}"


@dataclass(frozen=True)
class Served:
    """The model ``rnnkit predict`` loads: its URI, and a line saying which version."""

    uri: str
    note: str


def serving_model(task: str, profile: str | None = None) -> Served:
    """The version of ``rnnkit-<task>`` that serves: the ``champion`` alias.

    Falls back to the latest version only when the model exists but has no
    ``champion`` alias (a store written before aliases were set on registration),
    and says so; any other problem (no such model, an unreachable store) is an error,
    never a silent fallback.
    """
    name = registered_model_name(task, profile)
    try:
        store = client()
        model = store.get_registered_model(name)
    except mlflow.exceptions.MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            hint = "" if profile == SMOKE_PROFILE else (
                f" (smoke runs register as {registered_model_name(task, SMOKE_PROFILE)}: "
                f"--model {champion_uri(task, SMOKE_PROFILE)})")
            raise RnnkitUserError(
                f"No model is registered as {name} in {tracking_uri()}. Train one with "
                f"'rnnkit run {task}', or pass --model URI{hint}.") from exc
        raise _store_error(exc) from exc
    except Exception as exc:  # connection refused, bad URI
        raise _store_error(exc) from exc
    champion = (model.aliases or {}).get(CHAMPION)
    if champion is not None:
        return Served(champion_uri(task, profile), naming.serving_note(name, champion, task))
    versions = store.search_model_versions(f"name = '{name}'")
    if not versions:
        raise RnnkitUserError(f"{name} has no model versions in {tracking_uri()}. Train one "
                              f"with 'rnnkit run {task}', or pass --model URI.")
    latest = max(int(v.version) for v in versions)
    return Served(f"models:/{name}/{latest}", naming.serving_note(name, latest, task, None))


def _store_error(exc: Exception) -> RnnkitUserError:
    return RnnkitUserError(f"Cannot read the model registry at {tracking_uri()} "
                           f"({type(exc).__name__}: {exc}). Check MLFLOW_TRACKING_URI.")


def load_task_model(task: str, uri: str | None = None,
                    say: Callable[[str], None] | None = None):
    """The pyfunc at ``uri`` (default: ``serving_model(task)``), or a clear user error.

    ``say`` (default: a line on stderr) is told which model serves.
    """
    say = say or naming.say_on_stderr
    if uri is None:
        served = serving_model(task)
        uri = served.uri
        say(served.note)
    else:
        say(f"serving {uri}")
    try:
        # suppress_warnings: no pip-requirement and Python-version checks on load
        return mlflow.pyfunc.load_model(uri, suppress_warnings=True)
    except Exception as exc:  # no such model, store unreachable
        raise RnnkitUserError(
            f"Cannot load the {task} model {uri}: {exc}. Train one with "
            f"'rnnkit run {task}' or pass --model URI."
        ) from exc
