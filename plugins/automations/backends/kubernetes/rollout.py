"""Apply, wait, roll back: the only module that changes a cluster, and only through ``client.KubeClient``.

The kubernetes API has no rollback for Deployments (``kubectl rollout undo`` is client-side), so we keep our own:
before applying a new Deployment we save the *last good* one (the live Deployment, if its rollout is complete) in a
ConfigMap ``<deployment>-last-good`` (key ``deployment.json``). A ConfigMap rather than an annotation because it
survives a broken Deployment, a re-apply by our own field manager and a hand edit, and it is readable with kubectl.
Restoring = server-side applying that saved spec again; the Deployment controller then scales the old ReplicaSet
(same pod-template hash) back up, exactly like ``rollout undo``.

Waiting follows ``kubectl rollout status``: observedGeneration, updatedReplicas, availableReplicas and the
Progressing condition's ``ProgressDeadlineExceeded``. The clock is injected so fake tests run in milliseconds.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol

from ..errors import DeployFailed, RollbackFailed, RolledBack
from . import ownership
from .client import KubeApiError, KubeClient
from .manifests import FIELD_MANAGER, OWNER_LABELS

log = logging.getLogger(__name__)

LAST_GOOD_SUFFIX = "-last-good"
LAST_GOOD_KEY = "deployment.json"
# Kinds a render may stop containing; the Services and the Deployment are always rendered.
PRUNABLE = (
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "ServiceAccount"),
)
POLL_SECONDS = 2.0
# Fields the API server owns: applying them back would fail or fight the server.
_SERVER_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink")
_SERVER_ANNOTATIONS = ("deployment.kubernetes.io/revision", "kubectl.kubernetes.io/last-applied-configuration")


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class RolloutStatus:
    done: bool
    failed: bool
    message: str
    # (updatedReplicas, availableReplicas): what a step of progress moves; not part of what the status says
    progress: tuple[int, int] = field(default=(0, 0), compare=False)


@dataclass(frozen=True)
class RolloutResult:
    namespace: str
    deployment: str
    changed: bool  # False when the apply left the Deployment's generation unchanged (a re-run with no changes)
    message: str
    warnings: tuple[str, ...] = ()  # objects after a healthy rollout that failed to apply (the autoscaler)
    pruned: tuple[str, ...] = ()  # Kind/name of owned objects deleted because the render no longer has them


# ------------------------------------------------------------------------------------------------ pure parts


def rollout_status(live: dict[str, Any]) -> RolloutStatus:
    """Where a Deployment's rollout stands, from its live object (the same rules as ``kubectl rollout status``)."""
    meta, spec, status = live.get("metadata", {}), live.get("spec", {}), live.get("status") or {}
    generation, observed = meta.get("generation", 0), status.get("observedGeneration", 0)
    if observed < generation:
        return RolloutStatus(False, False, f"waiting for the controller to observe generation {generation}")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return RolloutStatus(False, True, f"ProgressDeadlineExceeded: {condition.get('message', '')}".strip())
        if _refused(condition):  # admission refuses every pod (Pod Security, quota): no point in waiting
            return RolloutStatus(False, True, f"FailedCreate: {condition.get('message', '')}".strip())
    wanted = spec.get("replicas", 1)
    updated, available = status.get("updatedReplicas", 0), status.get("availableReplicas", 0)
    old = max(0, status.get("replicas", 0) - updated)
    message = f"{updated}/{wanted} replicas updated, {available} available"
    if old:
        message += f", {old} old pending termination"
    done = updated >= wanted and old == 0 and available >= updated
    return RolloutStatus(done, False, message, (updated, available))


def _refused(condition: dict[str, Any]) -> bool:
    message = str(condition.get("message", ""))
    return condition.get("type") == "ReplicaFailure" and "forbidden" in message.lower()


def restorable(live: dict[str, Any]) -> dict[str, Any]:
    """A live Deployment reduced to something we can apply again: no status, no server-owned metadata."""
    meta = {k: v for k, v in live.get("metadata", {}).items() if k not in _SERVER_METADATA}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in _SERVER_ANNOTATIONS}
    meta.pop("annotations", None)
    if annotations:
        meta["annotations"] = annotations
    api_version = live.get("apiVersion", "apps/v1")
    return {"apiVersion": api_version, "kind": "Deployment", "metadata": meta, "spec": live["spec"]}


def last_good_config_map(deployment: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
    meta = deployment["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": meta["name"] + LAST_GOOD_SUFFIX,
            "namespace": meta["namespace"],
            "labels": {**meta.get("labels", {}), "automations/role": "last-good"},
        },
        "data": {LAST_GOOD_KEY: json.dumps(saved, sort_keys=True)},
    }


def _image(deployment: Optional[dict[str, Any]]) -> str:
    containers = ((deployment or {}).get("spec", {}).get("template", {}).get("spec", {}).get("containers")) or [{}]
    return containers[0].get("image", "?")


# ------------------------------------------------------------------------------------------------ I/O parts


def _get_deployment(client: KubeClient, namespace: str, name: str) -> Optional[dict[str, Any]]:
    return client.get("apps/v1", "Deployment", namespace, name)


def save_last_good(client: KubeClient, deployment: dict[str, Any]) -> Optional[dict[str, Any]]:
    """Save the live Deployment when it is healthy; otherwise keep (and return) the one saved before, if any."""
    namespace, name = deployment["metadata"]["namespace"], deployment["metadata"]["name"]
    live = _get_deployment(client, namespace, name)
    if live is not None and rollout_status(live).done:
        saved = restorable(live)
        client.apply(last_good_config_map(deployment, saved))
        return saved
    config_map = client.get("v1", "ConfigMap", namespace, name + LAST_GOOD_SUFFIX)
    if config_map and LAST_GOOD_KEY in (config_map.get("data") or {}):
        return json.loads(config_map["data"][LAST_GOOD_KEY])
    return None


def wait_for_rollout(
    client: KubeClient,
    namespace: str,
    name: str,
    timeout_s: float,
    clock: Clock,
    poll_s: float = POLL_SECONDS,
    ceiling_s: Optional[float] = None,
) -> RolloutStatus:
    """Poll until the rollout completes or fails; log each change of progress.

    ``timeout_s`` is the budget *between two steps of progress*: a new high of updated or available replicas
    resets it, as the controller's progressDeadlineSeconds does, so a healthy rollout of many slow-starting pods is
    not cut short, while a pod that flaps between ready and crashing (available 1, 0, 1, ...) does not. A rollout
    that stops progressing fails after ``timeout_s``; ``ceiling_s`` (``rollout_ceiling``, grows with the replicas)
    bounds the whole wait.
    """
    started = clock.monotonic()
    deadline = started + timeout_s
    last, best = "", (-1, -1)
    while True:
        live = _get_deployment(client, namespace, name)
        status = rollout_status(live) if live else RolloutStatus(False, True, "the Deployment disappeared")
        if status.message != last:
            log.info("%s/%s: %s", namespace, name, status.message)
            last = status.message
        if any(now > high for now, high in zip(status.progress, best, strict=True)):
            best = (max(best[0], status.progress[0]), max(best[1], status.progress[1]))
            deadline = clock.monotonic() + timeout_s
        if status.done or status.failed:
            return status
        now = clock.monotonic()
        if ceiling_s is not None and now - started >= ceiling_s:
            return RolloutStatus(
                False, True, f"timed out: the whole rollout passed its ceiling of {ceiling_s:g}s ({status.message})"
            )
        if now >= deadline:
            return RolloutStatus(False, True, f"timed out: no progress for {timeout_s:g}s ({status.message})")
        clock.sleep(poll_s)


def rollout_ceiling(deployment: dict[str, Any], replicas: int, step_s: float) -> float:
    """The most a whole rollout may take: one step budget per batch of pods the strategy replaces at once, plus
    one for the controller and the last pod, so the ceiling grows with the replicas (3 pods one at a time: 4 steps).
    """
    batch = _batch_size(deployment["spec"].get("strategy") or {}, replicas)
    return step_s * (math.ceil(max(replicas, 1) / batch) + 1)


def _batch_size(strategy: dict[str, Any], replicas: int) -> int:
    if strategy.get("type") == "Recreate":
        return max(replicas, 1)
    rolling = strategy.get("rollingUpdate") or {}
    surge = _scaled(rolling.get("maxSurge", "25%"), replicas, math.ceil)  # the controller's defaults and rounding
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), replicas, math.floor)
    return max(surge, unavailable, 1)


def _scaled(value: int | str, replicas: int, rounding: Any) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return int(rounding(replicas * float(value[:-1]) / 100))
    return int(value)


def _restore(
    client: KubeClient, previous: dict[str, Any], failed: dict[str, Any], reason: str, timeout_s: float, clock: Clock
) -> None:
    """Put the last good Deployment back and wait for it; always raises (RolledBack, or RollbackFailed loudly)."""
    namespace, name = failed["metadata"]["namespace"], failed["metadata"]["name"]
    what = f"rollout of {namespace}/{name} to {_image(failed)} failed: {reason}"
    log.warning("%s; restoring the last good Deployment (%s)", what, _image(previous))
    try:
        client.apply(previous)
    except Exception as exc:  # any API failure here means the cluster is in an unknown state: say so loudly
        raise RollbackFailed(f"{what}; restoring {_image(previous)} FAILED: {exc}. Needs a human.") from exc
    restored = wait_for_rollout(client, namespace, name, timeout_s, clock)
    if not restored.done:
        raise RollbackFailed(
            f"{what}; restoring {_image(previous)} did not complete: {restored.message}. Needs a human."
        )
    raise RolledBack(f"{what}; rolled back to {_image(previous)}, which is serving again")


def dry_run(client: KubeClient, objects: list[dict[str, Any]]) -> None:
    """Server-side dry run of every object before anything changes: admission, schema and immutable-field errors
    (a 422, a 403 from Pod Security, a 404 for a missing CRD) fail here, with nothing applied."""
    for obj in objects:
        try:
            client.apply(obj, dry_run=True)
        except KubeApiError as exc:
            what = f"{obj['kind']} {obj['metadata']['namespace']}/{obj['metadata']['name']}"
            raise DeployFailed(
                f"the API server refused {what} in a dry run, so nothing was changed: {exc}{_hint(obj, exc)}"
            ) from exc


def _hint(obj: dict[str, Any], exc: KubeApiError) -> str:
    if exc.status == 404 and obj["kind"] == "ScaledObject":
        return " (KEDA is not installed in this cluster: install it, or set AUTOMATIONS_KEDA_ENABLED=false for an HPA)"
    if exc.status == 422 and "immutable" in exc.message:
        return " (an immutable field changed: delete the old object, or keep its old value)"
    return ""


def _apply_deployment(
    client: KubeClient, deployment: dict[str, Any], before: Optional[dict[str, Any]], initial_replicas: int
) -> dict[str, Any]:
    """Apply the Deployment; when it has no ``replicas`` (an autoscaler owns the scale), hand ``replicas`` over
    (ownership.py) instead of letting the API server reset it to 1."""
    if "replicas" in deployment["spec"]:
        return client.apply(deployment)
    if before is None:  # create at a sensible size, then release the field below
        before = client.apply({**deployment, "spec": {**deployment["spec"], "replicas": initial_replicas}})
    if FIELD_MANAGER in ownership.owners(before, ownership.REPLICAS):
        try:
            client.apply(ownership.replicas_handover(before), field_manager=ownership.HANDOVER_MANAGER, force=False)
        except KubeApiError as exc:
            if exc.status != 409:  # 409: another manager holds a different value; it owns the field, fine
                raise
    return client.apply(deployment)


def _apply_after(client: KubeClient, objects: list[dict[str, Any]]) -> list[str]:
    """Apply the objects that follow a healthy rollout (the autoscaler); a failure is a warning, not a failed
    deploy: the new version is serving."""
    warnings = []
    for obj in objects:
        try:
            client.apply(obj)
        except KubeApiError as exc:
            warnings.append(f"{obj['kind']} {obj['metadata']['name']} was not applied: {exc}")
            log.warning("the rollout is healthy but %s", warnings[-1])
    return warnings


def prune(client: KubeClient, objects: list[dict[str, Any]], owner: dict[str, str]) -> list[str]:
    """Delete the objects carrying ``owner`` labels that this render no longer contains (an autoscaler removed from
    the spec, KEDA switched off); kinds the cluster does not serve are skipped. Returns ``Kind/name`` deleted."""
    rendered = {(o["kind"], o["metadata"]["name"]) for o in objects}
    namespace = objects[0]["metadata"]["namespace"]
    deleted = []
    for api_version, kind in PRUNABLE:
        try:
            live = client.list(api_version, kind, namespace, owner)
        except KubeApiError as exc:
            if exc.status == 404:
                continue
            raise
        for obj in live:
            if (kind, obj["metadata"]["name"]) not in rendered:
                log.info("pruning %s %s/%s: no longer rendered", kind, namespace, obj["metadata"]["name"])
                client.delete(api_version, kind, namespace, obj["metadata"]["name"])
                deleted.append(f"{kind}/{obj['metadata']['name']}")
    return deleted


def _budget(deployment: dict[str, Any], timeout_s: float) -> float:
    # The wait resets on progress; the controller's progressDeadlineSeconds answers first when it is longer.
    return max(timeout_s, float(deployment["spec"].get("progressDeadlineSeconds", 0)) + 2 * POLL_SECONDS)


def roll_out(
    client: KubeClient,
    objects: list[dict[str, Any]],
    timeout_s: float,
    clock: Optional[Clock] = None,
    initial_replicas: int = 1,
) -> RolloutResult:
    """Dry-run everything, apply ``objects`` (exactly one Deployment among them), wait, roll back on failure.

    Objects before the Deployment (ServiceAccount, Services) are applied first so new pods find them; objects after
    it (the autoscaler) only once the rollout is healthy, so a failed rollout keeps the old scaling rules. Objects
    owned by this variation that the render no longer contains are pruned after a healthy rollout.
    """
    clock = clock or SystemClock()
    index = next(i for i, obj in enumerate(objects) if obj["kind"] == "Deployment")
    deployment = objects[index]
    namespace, name = deployment["metadata"]["namespace"], deployment["metadata"]["name"]
    dry_run(client, objects)
    for obj in objects[:index]:
        client.apply(obj)
    previous = save_last_good(client, deployment)
    before = _get_deployment(client, namespace, name)
    live = _apply_deployment(client, deployment, before, initial_replicas)
    changed = before is None or before["metadata"].get("generation") != live["metadata"].get("generation")
    budget = _budget(deployment, timeout_s)
    replicas = int(live["spec"].get("replicas") or initial_replicas)
    status = wait_for_rollout(client, namespace, name, budget, clock, ceiling_s=rollout_ceiling(live, replicas, budget))
    if not status.done:
        if previous is None:
            raise DeployFailed(
                f"first rollout of {namespace}/{name} to {_image(deployment)} failed: {status.message}; "
                "there is no earlier version to roll back to, so the Deployment is left as is for inspection"
            )
        _restore(client, previous, deployment, status.message, budget, clock)
    warnings = _apply_after(client, objects[index + 1 :])
    owner = {k: v for k, v in (deployment["metadata"].get("labels") or {}).items() if k in OWNER_LABELS}
    pruned = prune(client, objects, owner) if len(owner) == len(OWNER_LABELS) else []
    return RolloutResult(namespace, name, changed, status.message, tuple(warnings), tuple(pruned))
