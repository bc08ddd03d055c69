"""The registry side of champion/challenger: find, guard-move and tag versions.

The alias ``champion`` of ``rnnkit-<task>`` names the version that serves
(``rnnkit predict`` loads it by default). Only ``move_alias`` changes it: on the first
registration of a task (``pipelines.core.runner``), in ``rnnkit retrain`` and in
``rnnkit promote``. Nothing here deletes a version. Decision tags are ``retrain.<key>``.

The move is safe against a concurrent mover on another host, although the registry has
no compare-and-set of its own. A mover

1. checks that the alias still points where the caller read it (``before``);
2. writes its unique id into the registered-model tag ``rnnkit.champion_mover``;
3. waits ``settle`` seconds and reads the tag back: another id there means another
   process is moving the alias, and this one gives up, untouched;
4. checks the alias again and sets it;
5. waits ``settle`` seconds again and reads the alias back: anything but its own
   version means it lost a race, and it says so.

Two movers that start within ``settle`` of each other see each other's id in step 3
(the later writer wins the tag, the earlier one gives up); one that starts later finds
the alias moved in step 4. This holds while a registry round trip is shorter than
``settle`` (``$RNNKIT_PROMOTION_SETTLE_S``, default 1 s), and step 5 catches the rest.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

import mlflow

from pipelines.core import tracking
from pipelines.core.errors import RnnkitUserError

TAG = "retrain."
MOVER_TAG = "rnnkit.champion_mover"


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


def settle_seconds() -> float:
    """``$RNNKIT_PROMOTION_SETTLE_S``, else 1 s (see the module doc)."""
    try:
        return max(0.0, float(os.environ.get("RNNKIT_PROMOTION_SETTLE_S", "1")))
    except ValueError:
        return 1.0


def move_alias(client, name: str, before, challenger, settle: float | None = None) -> None:
    """Point ``champion`` at ``challenger`` -- only if it still points at ``before``, and
    only if no other process is moving it meanwhile (the module doc's five steps).

    Raises:
        PromotionError: the alias moved since ``before`` was read, another process is
            moving it, or it lost a race; the message says where the alias points now.
    """
    settle = settle_seconds() if settle is None else settle
    want = str(challenger.version)
    _expect(client, name, before, want)
    me = f"{uuid.uuid4().hex} on {socket.gethostname()}, pid {os.getpid()}, version {want}"
    client.set_registered_model_tag(name, MOVER_TAG, me)
    time.sleep(settle)
    holder = _mover(client, name)
    if holder != me:
        raise PromotionError(
            f"Another process ({holder}) is moving the champion of {name} at the same time; "
            f"not promoting version {want}. The champion is version {_now(client, name)}.")
    _expect(client, name, before, want)
    client.set_registered_model_alias(name, tracking.CHAMPION, want)
    time.sleep(settle)
    now = _now(client, name)
    if now != want:
        raise PromotionError(
            f"The champion of {name} was moved to version {now} by another process while "
            f"version {want} was being promoted ({_mover(client, name)}).")


def _expect(client, name: str, before, want: str) -> None:
    now = _now(client, name)
    was = str(before.version) if before else None
    if now != was:
        raise PromotionError(
            f"The champion of {name} moved to version {now} meanwhile (it was {was}); "
            f"not promoting version {want}.")


def _now(client, name: str) -> str | None:
    version = champion_version(client, name)
    return None if version is None else str(version.version)


def _mover(client, name: str) -> str | None:
    return (client.get_registered_model(name).tags or {}).get(MOVER_TAG)


def tag_version(client, name: str, version: str, tags: dict[str, Any]) -> None:
    """Set ``retrain.<key>`` tags on one model version."""
    for key, value in tags.items():
        client.set_model_version_tag(name, version, TAG + key, str(value))


def tag_run(client, run_id: str, tags: dict[str, Any]) -> None:
    """Set ``retrain.<key>`` tags on a (finished) run."""
    for key, value in tags.items():
        client.set_tag(run_id, TAG + key, str(value))


def mark_failed(client, name: str, version: str, run_id: str, exc: BaseException,
                champion: str | None = None) -> None:
    """Best effort: tag the challenger ``retrain.decision=failed`` with the reason, and
    the champion it was judged against ``retrain.decision=kept`` with the same reason."""
    reason = f"{type(exc).__name__}: {exc}"[:4000]
    now = None
    try:
        now = _now(client, name)
    except Exception:  # the store may be what failed
        pass
    try:
        tag_version(client, name, version, {"role": "challenger", "decision": "failed",
                                            "reason": reason, "champion_after": now or ""})
        tag_run(client, run_id, {"decision": "failed", "reason": reason})
        if champion is not None and champion != version:
            tag_version(client, name, champion, {
                "role": "champion", "challenger_version": version, "reason": reason,
                "decision": "kept" if now == champion else f"replaced by version {now}",
                "champion_after": now or ""})
    except Exception:  # the store may be what failed; the alias is untouched either way
        pass


def promote_first(client, name: str, version: str) -> bool:
    """Make ``version`` the champion if ``name`` has none yet; True when it did.

    This is how ``make forecast`` followed by ``rnnkit predict forecast`` works without
    a retrain; once a champion exists, only ``rnnkit retrain`` and ``rnnkit promote``
    move it.
    """
    if champion_version(client, name) is not None:
        return False
    try:
        move_alias(client, name, None, _Version(version))
    except PromotionError:  # another first run won: it is the champion, this one is not
        return False
    tag_version(client, name, version, {"role": "first", "decision": "promoted",
                                        "reason": "the first registered version of the "
                                                  "task becomes champion"})
    return True


class _Version:
    def __init__(self, version: str):
        self.version = str(version)


def promote_version(task: str, version: str, profile: str | None = None,
                    settle: float | None = None) -> tuple[str | None, str]:
    """``rnnkit promote TASK VERSION``: point ``champion`` at ``version`` by hand.

    Returns:
        (the version the alias pointed to before, or None; ``version``).

    Raises:
        PromotionError: no such version, a version whose run did not finish, or a
            concurrent move (the alias is then where the other mover put it).
    """
    client = tracking.client()
    name = tracking.registered_model_name(task, profile)
    version = str(version).strip()
    try:
        chosen = client.get_model_version(name, version)
    except mlflow.exceptions.MlflowException as exc:
        found = client.search_model_versions(f"name = '{name}'")
        known = sorted((str(v.version) for v in found), key=int)
        raise PromotionError(
            f"{name} has no version {version!r}; its versions: "
            f"{', '.join(known) or '(none)'}.") from exc
    if chosen.run_id:
        status = client.get_run(chosen.run_id).info.status
        if status != "FINISHED":
            raise PromotionError(f"Version {version} of {name} comes from run "
                                 f"{chosen.run_id}, which is {status}; not promoting it.")
    before = champion_version(client, name)
    was = None if before is None else str(before.version)
    if was == version:
        return was, version
    move_alias(client, name, before, chosen, settle=settle)
    when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    who = f"{os.environ.get('USER', 'unknown')}@{socket.gethostname()}"
    tag_version(client, name, version, {"role": "champion", "decision": "promoted by hand",
                                        "reason": f"rnnkit promote by {who} at {when}",
                                        "champion_before": was or ""})
    if was is not None:
        tag_version(client, name, was, {"role": "champion",
                                        "decision": f"replaced by version {version}",
                                        "reason": f"rnnkit promote by {who} at {when}"})
    return was, version
