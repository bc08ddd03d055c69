"""The registry side of champion/challenger: find, guard-move and tag versions.

The alias ``champion`` of ``rnnkit-<task>`` names the version that serves
(``rnnkit predict`` loads it by default). Only ``move_alias`` changes it, and only as a
compare-and-set: it moves the alias only if it still points where it did when the
caller read it. Nothing here deletes a version. Decision tags are ``retrain.<key>``.
"""

from __future__ import annotations

from typing import Any

import mlflow

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError

TAG = "retrain."


class PromotionError(RnnkitUserError):
    """The challenger could not be judged or promoted; the champion is kept."""


def champion_version(client, name: str):
    """The ``ModelVersion`` ``champion`` points to, or None (no model or no alias yet)."""
    try:
        model = client.get_registered_model(name)
    except mlflow.exceptions.MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    version = (model.aliases or {}).get(tracking.CHAMPION)
    return None if version is None else client.get_model_version(name, str(version))


def version_of_run(client, name: str, run_id: str):
    """The version of ``name`` that run ``run_id`` registered."""
    versions = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
    if not versions:
        raise PromotionError(
            f"Run {run_id} finished but registered no version of {name}: the task's "
            "register hook must log and register its model. The champion is kept."
        )
    return max(versions, key=lambda v: int(v.version))


def move_alias(client, name: str, before, challenger) -> None:
    """Point ``champion`` at ``challenger`` -- only if it still points at ``before``."""
    now = champion_version(client, name)
    was = str(before.version) if before else None
    if (str(now.version) if now else None) != was:
        raise PromotionError(
            f"The champion of {name} moved to version {now.version if now else None} while "
            f"this retrain ran (it was {was}); not promoting version {challenger.version}."
        )
    client.set_registered_model_alias(name, tracking.CHAMPION, challenger.version)


def tag_version(client, name: str, version: str, tags: dict[str, Any]) -> None:
    """Set ``retrain.<key>`` tags on one model version."""
    for key, value in tags.items():
        client.set_model_version_tag(name, version, TAG + key, str(value))


def tag_run(client, run_id: str, tags: dict[str, Any]) -> None:
    """Set ``retrain.<key>`` tags on a (finished) run."""
    for key, value in tags.items():
        client.set_tag(run_id, TAG + key, str(value))


def mark_failed(client, name: str, version: str, run_id: str, exc: BaseException) -> None:
    """Best effort: tag the challenger ``retrain.decision=failed`` with the reason."""
    reason = f"{type(exc).__name__}: {exc}"[:4000]
    try:
        tag_version(client, name, version, {"role": "challenger", "decision": "failed",
                                            "reason": reason})
        tag_run(client, run_id, {"decision": "failed"})
    except Exception:  # the store may be what failed; the alias is untouched either way
        pass
