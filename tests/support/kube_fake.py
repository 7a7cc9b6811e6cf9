"""A FAKE Kubernetes API server at the ``KubeClient`` boundary (no cluster can run here). It is a fake, not a cluster.

It models the server behaviours our deploy logic depends on, and that a store-and-return fake hides:
- server-side apply field ownership: managed fields per manager (``metadata.managedFields`` in fieldsV1 form), a
  manager's omitted fields are removed when nobody else owns them (and defaults come back: ``replicas`` -> 1),
  conflicts (409) with other managers unless forced, shared ownership of equal values;
- ``update`` (what a controller does through the scale subresource): no conflicts, takes the changed fields over;
- ``metadata.generation`` bumps on any spec change, scaling included;
- immutable Deployment selectors and a selector that must match the template labels (422);
- Pod Security admission per namespace label ``pod-security.kubernetes.io/enforce``: a Pod is refused (403), a
  Deployment is admitted with a warning and its ReplicaSet then fails to create pods (``ReplicaFailure``);
- kinds whose CRD is not installed answer 404;
- a rollout controller with ReplicaSets per template hash that honours ``maxSurge``/``maxUnavailable`` and
  ``progressDeadlineSeconds`` against the injected clock; pods of an image become ready after
  ``ready_after[image]`` seconds (None: never).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

from tests.support.pod_security import violations

from automations.backends.kubernetes.client import KubeApiError

Path = tuple[str, ...]
BUILTIN_KINDS = frozenset(
    {
        "Namespace",
        "ServiceAccount",
        "Service",
        "ConfigMap",
        "Secret",
        "Deployment",
        "Pod",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }
)
_IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}
_SERVER_META = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields")
_DEFAULTS: dict[str, dict[Path, Any]] = {"Deployment": {("spec", "replicas"): 1}}


class FakeClock:
    """Time that passes only when slept; ``after(seconds, action)`` runs an action once that much time has passed."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0
        self._events: list[tuple[float, Any]] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds
        due = [e for e in self._events if e[0] <= self.now]
        self._events = [e for e in self._events if e[0] > self.now]
        for _, action in due:
            action()

    def after(self, seconds: float, action: Any) -> None:
        self._events.append((self.now + seconds, action))


# ------------------------------------------------------------------------------------------------ field sets


def _key(item: dict[str, Any]) -> str:
    return "k:" + json.dumps({"name": item["name"]}, separators=(",", ":"))


def _keyed(value: list[Any]) -> bool:
    # Lists of named objects (containers, env, ports, volumes, triggers) merge by name; every other list is atomic.
    return bool(value) and all(isinstance(v, dict) and "name" in v for v in value)


def leaves(obj: Any, prefix: Path = ()) -> dict[Path, Any]:
    """Every owned leaf of an applied configuration: dict keys as ``f:``, named list items as ``k:`` elements."""
    out: dict[Path, Any] = {}
    if isinstance(obj, dict) and obj:
        for k, v in obj.items():
            out.update(leaves(v, (*prefix, "f:" + k)))
    elif isinstance(obj, list) and _keyed(obj):
        for item in obj:
            out.update(leaves(item, (*prefix, _key(item))))
    else:
        out[prefix] = copy.deepcopy(obj)
    return out


def _plain(path: Path) -> Path:
    return tuple(p[2:] for p in path)


def _lookup(obj: Any, path: Path) -> Any:
    for part in path:
        if part.startswith("f:"):
            if not isinstance(obj, dict) or part[2:] not in obj:
                return _MISSING
            obj = obj[part[2:]]
        else:
            name = json.loads(part[2:])["name"]
            obj = next((i for i in obj or [] if isinstance(i, dict) and i.get("name") == name), _MISSING)
            if obj is _MISSING:
                return _MISSING
    return obj


_MISSING = object()


def _set(obj: dict[str, Any], path: Path, value: Any) -> None:
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if part.startswith("f:"):
            if last:
                obj[part[2:]] = copy.deepcopy(value)
                return
            nxt = path[i + 1]
            obj = obj.setdefault(part[2:], {} if nxt.startswith("f:") else [])
        else:
            name = json.loads(part[2:])["name"]
            item = next((x for x in obj if x.get("name") == name), None)
            if item is None:
                item = {"name": name}
                obj.append(item)
            if last:
                item.clear()
                item.update(copy.deepcopy(value))
                return
            obj = item


def _remove(obj: Any, path: Path) -> None:
    parent = _lookup(obj, path[:-1]) if len(path) > 1 else obj
    part = path[-1]
    if isinstance(parent, dict) and part.startswith("f:"):
        parent.pop(part[2:], None)
    elif isinstance(parent, list):
        name = json.loads(part[2:])["name"]
        parent[:] = [x for x in parent if x.get("name") != name]


def _prune_empty(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _prune_empty(v) for k, v in obj.items() if v not in ({}, []) or k in ("emptyDir", "data")}
    if isinstance(obj, list):
        return [_prune_empty(v) for v in obj]
    return obj


def fields_v1(paths: set[Path]) -> dict[str, Any]:
    """The fieldsV1 tree the API server publishes in managedFields (``{"f:spec": {"f:replicas": {}}}``)."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    return tree


# ------------------------------------------------------------------------------------------------ the server


@dataclass
class _Stored:
    obj: dict[str, Any]
    managers: dict[str, set[Path]] = field(default_factory=dict)
    operations: dict[str, str] = field(default_factory=dict)


@dataclass
class _ReplicaSet:
    template_hash: str
    image: str
    pods: list[float] = field(default_factory=list)  # creation times


class FakeApiServer:
    """``KubeClient`` over in-memory objects with the server behaviours listed in the module docstring."""

    def __init__(self, clock: Optional[FakeClock] = None, crds: tuple[str, ...] = ("ScaledObject",)) -> None:
        self.clock = clock or FakeClock()
        self.kinds = set(BUILTIN_KINDS) | set(crds)
        self.store: dict[tuple[str, str, str], _Stored] = {}
        self.ready_after: dict[str, Optional[float]] = {}
        self.default_ready_after = 5.0
        self.namespace_labels: dict[str, dict[str, str]] = {}
        self.warnings: list[str] = []
        self.calls: list[tuple[str, str, str, str]] = []  # (verb, kind, name, manager)
        self.refuse: dict[tuple[str, str], KubeApiError] = {}  # (kind, name) -> error on the next non-dry apply
        self._replica_sets: dict[tuple[str, str], list[_ReplicaSet]] = {}
        self._progress: dict[tuple[str, str], tuple[float, tuple[int, int]]] = {}
        self._uid = 0

    # -- the KubeClient protocol
    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        self._known(kind)
        stored = self.store.get((kind, namespace, name))
        if stored is None:
            return None
        if kind == "Deployment":
            self._reconcile(stored)
        return self._published(stored)

    def list(self, api_version: str, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        self._known(kind)
        found = []
        for (k, ns, _), stored in sorted(self.store.items()):
            have = stored.obj["metadata"].get("labels") or {}
            if k == kind and ns == namespace and all(have.get(a) == b for a, b in labels.items()):
                found.append(self._published(stored))
        return found

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        self._known(kind)
        self.calls.append(("delete", kind, name, ""))
        if self.store.pop((kind, namespace, name), None) is None:
            raise KubeApiError(404, "NotFound", f'{kind.lower()}s "{name}" not found')

    def apply(
        self, manifest: dict[str, Any], *, field_manager: str = "automations", force: bool = True, dry_run: bool = False
    ) -> dict[str, Any]:
        kind, meta = manifest["kind"], manifest["metadata"]
        self._known(kind)
        key = (kind, meta["namespace"], meta["name"])
        if not dry_run:
            self.calls.append(("apply", kind, meta["name"], field_manager))
            refused = self.refuse.get((kind, meta["name"]))
            if refused is not None:
                raise refused
        stored = copy.deepcopy(self.store.get(key)) or _Stored(obj={})
        before = copy.deepcopy(stored.obj)
        self._merge_apply(stored, manifest, field_manager, force)
        self._validate(kind, before, stored.obj)
        self._admit(kind, stored.obj, dry_run)
        self._bump(stored, before)
        if dry_run:
            return self._published(stored)
        self.store[key] = stored
        if kind == "Deployment":  # the controller reacts at once (pods are created when the template lands)
            self._reconcile(stored)
        return self._published(stored)

    # -- what controllers do (test helpers)
    def update(self, kind: str, namespace: str, name: str, path: Path, value: Any, manager: str) -> None:
        """A non-apply write (like the HPA controller through the scale subresource): takes the field over."""
        stored = self.store[(kind, namespace, name)]
        before = copy.deepcopy(stored.obj)
        owned = tuple("f:" + p for p in path)
        for paths in stored.managers.values():
            paths.discard(owned)
        stored.managers.setdefault(manager, set()).add(owned)
        stored.operations[manager] = "Update"
        _set(stored.obj, owned, value)
        self._bump(stored, before)
        if kind == "Deployment":
            self._reconcile(stored)

    def scale(self, namespace: str, name: str, replicas: int, manager: str = "kube-controller-manager") -> None:
        self.update("Deployment", namespace, name, ("spec", "replicas"), replicas, manager)

    def lose_pods(self, namespace: str, name: str) -> None:
        """Every pod of the Deployment dies (a node went away); its ReplicaSets recreate them, starting now."""
        for rs in self._replica_sets.get((namespace, name), []):
            rs.pods = [self.clock.now for _ in rs.pods]

    def owners(self, kind: str, namespace: str, name: str, path: Path) -> set[str]:
        owned = tuple("f:" + p for p in path)
        stored = self.store[(kind, namespace, name)]
        return {m for m, paths in stored.managers.items() if owned in paths}

    def live(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        return copy.deepcopy(self.store[(kind, namespace, name)].obj)

    def applies(self, kind: str = "") -> list[tuple[str, str, str]]:
        return [(k, n, m) for verb, k, n, m in self.calls if verb == "apply" and (not kind or k == kind)]

    # -- server-side apply
    def _merge_apply(self, stored: _Stored, manifest: dict[str, Any], manager: str, force: bool) -> None:
        applied = {p: v for p, v in leaves(manifest).items() if _plain(p) not in _IDENTITY}
        conflicts = []
        for path, value in applied.items():
            for other, paths in stored.managers.items():
                if other != manager and path in paths and _lookup(stored.obj, path) != value:
                    conflicts.append((other, path))
        if conflicts and not force:
            detail = "; ".join(f'conflict with "{m}": .{".".join(_plain(p))}' for m, p in conflicts)
            raise KubeApiError(409, "Conflict", f"Apply failed with {len(conflicts)} conflict(s): {detail}")
        for other, path in conflicts:
            stored.managers[other].discard(path)
        previous = stored.managers.get(manager, set())
        others = set().union(*(p for m, p in stored.managers.items() if m != manager)) if stored.managers else set()
        obj = stored.obj or {
            "apiVersion": manifest["apiVersion"],
            "kind": manifest["kind"],
            "metadata": {"name": manifest["metadata"]["name"], "namespace": manifest["metadata"]["namespace"]},
        }
        for path in previous - set(applied) - others:
            _remove(obj, path)
        for path, value in applied.items():
            _set(obj, path, value)
        for path, default in _DEFAULTS.get(manifest["kind"], {}).items():
            if _lookup(obj, tuple("f:" + p for p in path)) is _MISSING:
                _set(obj, tuple("f:" + p for p in path), default)
        stored.obj = _prune_empty(obj)
        stored.managers[manager] = set(applied)
        stored.operations[manager] = "Apply"

    def _validate(self, kind: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        if kind != "Deployment":
            return
        name = after["metadata"]["name"]
        selector = after.get("spec", {}).get("selector")
        if before and before["spec"].get("selector") != selector:
            raise KubeApiError(
                422,
                "Invalid",
                f'Deployment.apps "{name}" is invalid: spec.selector: Invalid value: '
                f"{json.dumps(selector)}: field is immutable",
            )
        labels = after["spec"]["template"].get("metadata", {}).get("labels") or {}
        wanted = (selector or {}).get("matchLabels") or {}
        if any(labels.get(k) != v for k, v in wanted.items()):
            raise KubeApiError(
                422,
                "Invalid",
                f'Deployment.apps "{name}" is invalid: spec.template.metadata.labels: '
                "Invalid value: `selector` does not match template `labels`",
            )

    def _admit(self, kind: str, obj: dict[str, Any], dry_run: bool) -> None:
        level = self.namespace_labels.get(obj["metadata"]["namespace"], {}).get("pod-security.kubernetes.io/enforce")
        if level != "restricted" or kind not in ("Pod", "Deployment"):
            return
        pod_spec = obj["spec"] if kind == "Pod" else obj["spec"]["template"]["spec"]
        found = violations(pod_spec)
        if not found:
            return
        message = f'violates PodSecurity "restricted:latest": {"; ".join(found)}'
        if kind == "Pod":
            raise KubeApiError(403, "Forbidden", f'pods "{obj["metadata"]["name"]}" is forbidden: {message}')
        if not dry_run:
            self.warnings.append(f'would violate PodSecurity "restricted:latest": {"; ".join(found)}')

    def _bump(self, stored: _Stored, before: dict[str, Any]) -> None:
        meta = stored.obj["metadata"]
        if not before:
            self._uid += 1
            meta.update(uid=f"uid-{self._uid}", generation=1)
            if stored.obj["kind"] == "Deployment":
                stored.obj["status"] = {"observedGeneration": 0}
        elif before.get("spec") != stored.obj.get("spec"):
            meta["generation"] = before["metadata"]["generation"] + 1
        meta["resourceVersion"] = str(int(meta.get("resourceVersion", "0")) + 1)

    def _published(self, stored: _Stored) -> dict[str, Any]:
        obj = copy.deepcopy(stored.obj)
        obj["metadata"]["managedFields"] = [
            {"manager": m, "operation": stored.operations[m], "fieldsType": "FieldsV1", "fieldsV1": fields_v1(p)}
            for m, p in sorted(stored.managers.items())
            if p
        ]
        return obj

    def _known(self, kind: str) -> None:
        if kind not in self.kinds:
            raise KubeApiError(
                404,
                "NotFound",
                f"the server could not find the requested resource (kind {kind}; "
                "is its CustomResourceDefinition installed?)",
            )

    # -- the Deployment controller
    def _reconcile(self, stored: _Stored) -> None:
        obj = stored.obj
        spec, status, meta = obj["spec"], obj["status"], obj["metadata"]
        key = (meta["namespace"], meta["name"])
        template = spec["template"]
        template_hash = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        sets = self._replica_sets.setdefault(key, [])
        new = next((rs for rs in sets if rs.template_hash == template_hash), None)
        if new is None:
            new = _ReplicaSet(template_hash, template["spec"]["containers"][0]["image"])
            sets.append(new)
        old = [rs for rs in sets if rs is not new]
        if status.get("observedGeneration", 0) < meta["generation"]:
            status["observedGeneration"] = meta["generation"]
            status["conditions"] = [c for c in status.get("conditions", []) if c["type"] != "Progressing"]
            self._progress[key] = (self.clock.now, (-1, -1))
        pod_violations = self._pod_violations(meta["namespace"], template["spec"])
        self._step(spec, new, old, creatable=not pod_violations)
        self._publish(stored, new, old, pod_violations)

    def _pod_violations(self, namespace: str, pod_spec: dict[str, Any]) -> list[str]:
        level = self.namespace_labels.get(namespace, {}).get("pod-security.kubernetes.io/enforce")
        return violations(pod_spec) if level == "restricted" else []

    def _ready(self, rs: _ReplicaSet) -> int:
        after = self.ready_after.get(rs.image, self.default_ready_after)
        return 0 if after is None else sum(1 for t in rs.pods if self.clock.now - t >= after)

    def _step(self, spec: dict[str, Any], new: _ReplicaSet, old: list[_ReplicaSet], creatable: bool) -> None:
        desired = spec.get("replicas", 1)
        strategy = (spec.get("strategy") or {}).get("rollingUpdate") or {}
        surge = _absolute(strategy.get("maxSurge", "25%"), desired, up=True)
        unavailable = _absolute(strategy.get("maxUnavailable", "25%"), desired, up=False)
        for rs in old:  # unhealthy old pods go at once (the controller's cleanupUnhealthyReplicas)
            rs.pods = rs.pods[: self._ready(rs)]
        old_pods = sum(len(rs.pods) for rs in old)
        while creatable and len(new.pods) < desired and len(new.pods) + old_pods < desired + surge:
            new.pods.append(self.clock.now)
        del new.pods[desired:]
        # Healthy old pods go only while enough pods stay available.
        for rs in old:
            while rs.pods and sum(self._ready(r) for r in old) + self._ready(new) - 1 >= desired - unavailable:
                rs.pods.pop()

    def _publish(self, stored: _Stored, new: _ReplicaSet, old: list[_ReplicaSet], pod_violations: list[str]) -> None:
        obj = stored.obj
        status, spec, meta = obj["status"], obj["spec"], obj["metadata"]
        key = (meta["namespace"], meta["name"])
        old_pods, old_ready = sum(len(rs.pods) for rs in old), sum(self._ready(rs) for rs in old)
        ready = self._ready(new)
        status.update(
            replicas=old_pods + len(new.pods),
            updatedReplicas=len(new.pods),
            readyReplicas=old_ready + ready,
            availableReplicas=old_ready + ready,
        )
        conditions = [c for c in status.get("conditions", []) if c["type"] not in ("ReplicaFailure",)]
        if pod_violations:
            conditions.append(
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "reason": "FailedCreate",
                    "message": f'pods "{meta["name"]}-{new.template_hash}-x" is forbidden: violates '
                    f'PodSecurity "restricted:latest": {"; ".join(pod_violations)}',
                }
            )
        since, seen = self._progress.get(key, (self.clock.now, (-1, -1)))
        now_seen = (len(new.pods), ready)
        complete = ready >= spec.get("replicas", 1) and old_pods == 0
        if now_seen != seen or complete:
            since = self.clock.now
        self._progress[key] = (since, now_seen)
        deadline = spec.get("progressDeadlineSeconds", 600)
        if not complete and self.clock.now - since > deadline:
            conditions = [c for c in conditions if c["type"] != "Progressing"]
            conditions.append(
                {
                    "type": "Progressing",
                    "status": "False",
                    "reason": "ProgressDeadlineExceeded",
                    "message": f'ReplicaSet "{meta["name"]}-{new.template_hash}" has timed out progressing.',
                }
            )
        status["conditions"] = conditions


def _absolute(value: Any, desired: int, up: bool) -> int:
    if isinstance(value, int):
        return value
    percent = int(str(value).rstrip("%")) * desired / 100
    return math.ceil(percent) if up else math.floor(percent)


def churn_automation(**deployment_spec: Any) -> Any:
    """The automation the fake-server deploy tests roll out: 3 pods, a 60 s deployment timeout."""
    from automations.spec import Automation

    data = {
        "name": "churn",
        "model_id": "churn_model",
        "action": {
            "build_spec": {"git_uri": "https://example.com/m.git#churn"},
            "deployment_spec": {"number_of_pods": 3, "deployment_timeout": 60, **deployment_spec},
        },
    }
    return Automation.model_validate(data)
