"""Pure rendering of the deploy objects: a frozen DeployPlan in, plain manifest dicts out. No I/O, no client.

Objects per automation and environment (namespace):
- ``ServiceAccount <model>-<variation>`` only when ``custom_iam_role_arn`` is set (IRSA annotation).
- ``Service <model>``: selects every variation of the model (label ``app``), the stable endpoint.
- ``Service <model>-<variation>``: selects one variation, the backend a mesh/ingress weights for A/B splits.
- ``Deployment <model>-<variation>``: one per variation, selector ``{app, variation}`` (immutable; the build and
  commit labels live on the pod template only so a new build is a rollout, not a new selector).
- the autoscaler (KEDA ScaledObject or HPA), rendered by ``autoscaling.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from model_runtime import contract

from ... import serving_image
from ...spec import AutoScalingConfig
from . import availability, security
from .names import MANAGED_BY, dns_label, irsa_annotations, label_value
from .placement import Placement

FIELD_MANAGER = MANAGED_BY
CONTAINER = "model"
PORT_NAME = "http"
ARTIFACT_DIR = serving_image.ARTIFACT_DIR  # where the serving image holds the artifact (result.json, model.pkl, src/)
UNBUILT = "unbuilt"  # commit/build placeholder when rendering without a build (the CLI's `render`)

# The labels that mark an object as owned by one automation's variation (what rollout.prune selects on).
OWNER_LABELS = ("app.kubernetes.io/managed-by", "app", "variation", "automation")


@dataclass(frozen=True)
class DeployPlan:
    """Everything the manifests need for one environment; built by ``deploy.plan_for``."""

    automation: str
    model_id: str
    variation: str
    environment: str
    namespace: str
    image: str
    commit: str
    build_id: str
    replicas: int
    timeout_s: int
    placement: Placement  # placement.for_deployment(spec, settings)
    env: tuple[tuple[str, str], ...]
    iam_role_arn: str = ""
    autoscaling: Optional[AutoScalingConfig] = None
    keda_enabled: bool = True
    prometheus_url: str = ""
    request_metrics: str = "server"  # settings.RequestMetrics: whose series the request triggers read
    pull_secret: str = ""
    port: int = contract.DEFAULT_PORT

    @property
    def app(self) -> str:
        return dns_label(self.model_id)

    @property
    def deployment_name(self) -> str:
        return dns_label(f"{self.model_id}-{self.variation}")

    @property
    def service_name(self) -> str:
        return self.app

    @property
    def variation_service_name(self) -> str:
        return self.deployment_name

    @property
    def service_account_name(self) -> Optional[str]:
        return self.deployment_name if self.iam_role_arn else None

    @property
    def endpoint(self) -> str:
        return f"http://{self.service_name}.{self.namespace}.svc.cluster.local:{self.port}"

    @property
    def variation_endpoint(self) -> str:
        return f"http://{self.variation_service_name}.{self.namespace}.svc.cluster.local:{self.port}"


def model_labels(plan: DeployPlan) -> dict[str, str]:
    """Labels shared by every variation of the model (safe on the shared Service: they never flip)."""
    return {
        "app": plan.app,
        "model_id": label_value(plan.model_id),
        "app.kubernetes.io/managed-by": FIELD_MANAGER,
    }


def selector_labels(plan: DeployPlan) -> dict[str, str]:
    return {"app": plan.app, "variation": label_value(plan.variation)}


def variation_labels(plan: DeployPlan) -> dict[str, str]:
    return {**model_labels(plan), **selector_labels(plan), "automation": label_value(plan.automation)}


def pod_labels(plan: DeployPlan) -> dict[str, str]:
    return {**variation_labels(plan), "build_id": label_value(plan.build_id), "commit": label_value(plan.commit[:12])}


def _metadata(plan: DeployPlan, name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": plan.namespace, "labels": dict(labels)}


def service_account(plan: DeployPlan) -> Optional[dict[str, Any]]:
    if not plan.service_account_name:
        return None
    meta = _metadata(plan, plan.service_account_name, variation_labels(plan))
    meta["annotations"] = irsa_annotations(plan.iam_role_arn)
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}


def _service(plan: DeployPlan, name: str, labels: dict[str, str], selector: dict[str, str]) -> dict[str, Any]:
    port = {"name": PORT_NAME, "port": plan.port, "targetPort": PORT_NAME, "protocol": "TCP"}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(plan, name, labels),
        "spec": {"type": "ClusterIP", "selector": dict(selector), "ports": [port]},
    }


def services(plan: DeployPlan) -> list[dict[str, Any]]:
    """The model's stable Service (all variations) and the variation's own Service (for weighted routing)."""
    model = _service(plan, plan.service_name, model_labels(plan), {"app": plan.app})
    variation = _service(plan, plan.variation_service_name, variation_labels(plan), selector_labels(plan))
    return [model, variation]


def _env(plan: DeployPlan) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in plan.env]


def _probe(period: int, failures: int, delay: int = 0) -> dict[str, Any]:
    probe: dict[str, Any] = {
        "httpGet": {"path": "/health", "port": PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }
    if delay:
        probe["initialDelaySeconds"] = delay
    return probe


def _container(plan: DeployPlan) -> dict[str, Any]:
    return {
        "name": CONTAINER,
        "image": plan.image,
        "imagePullPolicy": "IfNotPresent",
        "command": contract.serve_command("python", ARTIFACT_DIR, plan.port),
        "ports": [{"name": PORT_NAME, "containerPort": plan.port, "protocol": "TCP"}],
        "env": _env(plan),
        "resources": plan.placement.resources,
        # Loading a model can take minutes: the startup probe gives it the rollout's whole budget, so liveness
        # (which restarts) only starts judging once the model has answered /health once.
        "startupProbe": _probe(period=5, failures=max(1, plan.timeout_s // 5)),
        "readinessProbe": _probe(period=5, failures=3),
        "livenessProbe": _probe(period=10, failures=3),
        "lifecycle": availability.lifecycle(),
    }


def _pod_spec(plan: DeployPlan) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [_container(plan)],
        "terminationGracePeriodSeconds": availability.GRACE_S,
        "topologySpreadConstraints": availability.topology_spread(selector_labels(plan)),
    }
    spec = security.secure_pod_spec(spec)
    if plan.pull_secret:  # a static registry credential; nodes with IAM-based pulls (ECR, GAR, ACR) need none
        spec["imagePullSecrets"] = [{"name": plan.pull_secret}]
    if plan.service_account_name:
        spec["serviceAccountName"] = plan.service_account_name
    return {**spec, **plan.placement.pod_fields}


def scrape_annotations(plan: DeployPlan) -> dict[str, str]:
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(plan.port), "prometheus.io/path": "/metrics"}


def deployment(plan: DeployPlan) -> dict[str, Any]:
    # With an autoscaler, the autoscaler owns spec.replicas: sending it would undo its count on every deploy
    # (rollout.py hands the field over on the way, see ownership.py).
    replicas = {} if plan.autoscaling is not None else {"replicas": plan.replicas}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(plan, plan.deployment_name, pod_labels(plan)),
        "spec": {
            **replicas,
            "selector": {"matchLabels": selector_labels(plan)},
            "strategy": availability.strategy(plan),
            "progressDeadlineSeconds": plan.timeout_s,
            "revisionHistoryLimit": 5,
            "template": {
                # The model server's /metrics, for the KEDA request triggers (Prometheus' kubernetes-pods job).
                "metadata": {"labels": pod_labels(plan), "annotations": scrape_annotations(plan)},
                "spec": _pod_spec(plan),
            },
        },
    }


def render_plan(plan: DeployPlan) -> list[dict[str, Any]]:
    """Every object in apply order: identity, routing, workload, then the autoscaler (after a healthy rollout)."""
    from .autoscaling import autoscaler

    objects = [
        service_account(plan),
        *services(plan),
        availability.disruption_budget(plan),
        deployment(plan),
        autoscaler(plan),
    ]
    return [obj for obj in objects if obj is not None]
