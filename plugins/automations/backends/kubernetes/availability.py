"""How a variation stays up while pods come and go: rollout strategy, graceful stop, disruption budget, spreading.

- **Graceful stop.** A removed pod first waits ``PRESTOP_S`` (a ``preStop`` sleep) while the endpoints
  controller and every kube-proxy/mesh drop it from the Service, then gets SIGTERM; the model server stops
  accepting and finishes in-flight requests within ``contract.ENV_DRAIN_S`` (``DRAIN_S``). The grace period covers
  both plus a margin, so the kubelet never SIGKILLs a draining server.
- **Strategy.** CPU pods surge: ``maxSurge 1, maxUnavailable 0`` keeps full capacity during a rollout. A GPU pod
  cannot surge without a spare GPU (which a fixed GPU pool does not have, and Karpenter/cluster-autoscaler would
  have to provision, taking minutes), so GPU Deployments with two or more replicas replace one pod at a time
  instead (``maxSurge 0, maxUnavailable 1``): one replica's capacity less for the rollout, no extra GPU. A
  single-replica GPU Deployment still surges (going to zero would be an outage) and so needs room for a second
  pod while it rolls.
- **PodDisruptionBudget** ``maxUnavailable: 1`` whenever the variation can have two or more pods: node drains and
  upgrades evict one pod at a time. None for one pod (it would block every drain forever).
- **Spreading** across zones and hosts (``ScheduleAnyway``: prefer, never leave pods pending), counting only the
  current revision's pods (``matchLabelKeys: pod-template-hash``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from .manifests import DeployPlan

PRESTOP_S = 5
DRAIN_S = 30
GRACE_S = PRESTOP_S + DRAIN_S + 10
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")


def _uses_gpu(plan: DeployPlan) -> bool:
    return any(key in plan.placement.limits for key in GPU_RESOURCES)


def most_pods(plan: DeployPlan) -> int:
    return plan.autoscaling.max_replica_count if plan.autoscaling is not None else plan.replicas


def fewest_pods(plan: DeployPlan) -> int:
    return plan.autoscaling.min_replica_count if plan.autoscaling is not None else plan.replicas


def strategy(plan: DeployPlan) -> dict[str, Any]:
    if _uses_gpu(plan) and fewest_pods(plan) >= 2:
        update = {"maxSurge": 0, "maxUnavailable": 1}
    else:
        update = {"maxSurge": 1, "maxUnavailable": 0}
    return {"type": "RollingUpdate", "rollingUpdate": update}


def lifecycle() -> dict[str, Any]:
    return {"preStop": {"sleep": {"seconds": PRESTOP_S}}}


def topology_spread(selector: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": dict(selector)},
            "matchLabelKeys": ["pod-template-hash"],
        }
        for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
    ]


def disruption_budget(plan: DeployPlan) -> Optional[dict[str, Any]]:
    from .manifests import selector_labels, variation_labels

    if most_pods(plan) < 2:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": plan.deployment_name, "namespace": plan.namespace, "labels": variation_labels(plan)},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(plan)}},
    }
