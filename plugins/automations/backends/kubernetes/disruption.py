"""Was a failed build pod's node taken away (a spot reclaim, a scale-down, a preemption), or did the build fail?

Only the first is worth another attempt: a spot build is retried when its node went away, and a build whose tests
or training failed is not retried at all (two more attempts of a failing test cost hours of GPU time and say
nothing new). Kubernetes marks a disrupted pod with the ``DisruptionTarget`` condition (reasons from the pod
lifecycle docs: PreemptionByScheduler, DeletionByTaintManager, EvictionByEvictionAPI, DeletionByPodGC,
TerminationByKubelet); kubelets before that condition existed set ``status.reason`` (``NodeShutdown``,
``Terminated``, ``Evicted``, ``NodeLost``) instead. A pod that is gone altogether went with its node (pod GC).

Pure functions over the pod as a dict; build.py reads the pod and raises what ``verdict`` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

DISRUPTION_CONDITION = "DisruptionTarget"
# status.reason values a kubelet or the node lifecycle controller sets on pods of a node that went away
NODE_GONE_REASONS = frozenset({"NodeShutdown", "Terminated", "Evicted", "NodeLost", "Preempting", "Shutdown"})
POD_GONE = "the build pod is gone (its node was removed: spot reclaim or scale-down, and the pod garbage-collected)"


def reason(pod: Optional[dict[str, Any]]) -> Optional[str]:
    """Why the pod's node took it away, in the cluster's words, or None when the build itself failed."""
    if pod is None:
        return POD_GONE
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == DISRUPTION_CONDITION and condition.get("status") == "True":
            return _words(condition.get("reason"), condition.get("message"))
    if status.get("reason") in NODE_GONE_REASONS:
        return _words(status.get("reason"), status.get("message"))
    return None


def _words(why: Optional[str], message: Optional[str]) -> str:
    return ": ".join(part for part in (why or "disrupted", message) if part)


@dataclass(frozen=True)
class Verdict:
    retry: bool
    message: str


def verdict(pod: Optional[dict[str, Any]], failure: str, attempt: int, attempts: int) -> Verdict:
    """What to tell Airflow about a failed attempt ``attempt`` of ``attempts``: retry only a disrupted pod, and
    only while attempts are left; the message says which it was either way."""
    why = reason(pod)
    if why is None:
        return Verdict(False, f"{failure} (the build failed in its pod: not retried)")
    if attempt < attempts:
        return Verdict(True, f"build attempt {attempt} of {attempts} lost its node ({why}); Airflow retries it")
    return Verdict(False, f"build attempt {attempt} of {attempts} lost its node ({why}); no attempts left")
