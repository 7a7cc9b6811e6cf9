"""Why a build pod is not scheduled, and when waiting longer cannot help.

The KubernetesPodOperator waits ``schedule_timeout_seconds`` for a pending pod and then says only "took too long".
A pod nothing can ever place (a GPU type no node pool offers, a selector no node matches) should fail within a
minute, with the scheduler's own words. Waiting is right while a provisioner is working on it; it is hopeless
once the provisioner has said it will not: the cluster autoscaler's ``NotTriggerScaleUp`` event, or Karpenter's
``FailedScheduling`` "incompatible with nodepool(s)" event. Without a provisioner event the wait goes on until
``timeout_s`` (the definition's provision_instance_timeout) and then fails with the scheduler's last message.

Pure functions over pod/event dicts, plus a loop whose reads and clock are injected (tests use fakes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Protocol

POLL_S = 10.0
_HOPELESS = (
    ("NotTriggerScaleUp", ""),  # cluster autoscaler: no node group can fit the pod
    ("FailedScheduling", "incompatible with"),  # Karpenter: no NodePool/instance type matches
)


class Unschedulable(RuntimeError):
    pass


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


def scheduled(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") not in (None, "Pending", "Unknown"):
        return True
    return any(c.get("type") == "PodScheduled" and c.get("status") == "True" for c in status.get("conditions") or [])


def scheduler_message(pod: dict[str, Any]) -> str:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "PodScheduled" and c.get("status") == "False":
            return f"{c.get('reason', 'Unschedulable')}: {c.get('message', '')}".strip()
    return "no scheduling decision yet"


def hopeless(events: list[dict[str, Any]]) -> Optional[str]:
    """The provisioner's refusal, when one of ``events`` (the pod's events, oldest first) is one."""
    for event in reversed(events):
        reason, message = str(event.get("reason", "")), str(event.get("message", ""))
        if any(reason == r and text in message for r, text in _HOPELESS):
            return f"{reason}: {message}"
    return None


def wait_until_scheduled(
    read_pod: Callable[[], dict[str, Any]],
    read_events: Callable[[], list[dict[str, Any]]],
    timeout_s: float,
    clock: Clock,
    poll_s: float = POLL_S,
) -> None:
    """Return once the pod is scheduled; raise Unschedulable with the scheduler's reason when it cannot be."""
    deadline = clock.monotonic() + timeout_s
    while True:
        pod = read_pod()
        if scheduled(pod):
            return
        refusal = hopeless(read_events())
        if refusal:
            raise Unschedulable(f"the build pod cannot be scheduled: {scheduler_message(pod)}; {refusal}")
        if clock.monotonic() >= deadline:
            raise Unschedulable(
                f"the build pod was not scheduled within {timeout_s:g}s (provision_instance_timeout): "
                f"{scheduler_message(pod)}"
            )
        clock.sleep(poll_s)
