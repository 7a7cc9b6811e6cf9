"""The kubernetes deploy backend: for each environment, render the objects and roll them out (rollout.py).

``deploy`` is what the ``deploy`` task calls; ``render`` is what ``python -m automations render`` prints.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional

from model_runtime import contract

from ... import model_env
from ...environments import Environment, resolve
from ...runs import BuildResult, DeployResult, DeployTarget, ImageResult
from ...settings import KubernetesSettings
from ...spec import Automation
from ..errors import DeployFailed, RolledBack
from . import availability
from . import registry as registries
from .client import KubeClient, client_for
from .manifests import UNBUILT, DeployPlan, render_plan
from .placement import for_deployment
from .rollout import Clock, RolloutResult, roll_out

log = logging.getLogger(__name__)


def _server_env(automation: Automation, build_id: str) -> tuple[tuple[str, str], ...]:
    """model_env.server_env, with the port and the drain inside the pod's grace period (availability.py)."""
    env = model_env.server_env(automation, build_id, port=contract.DEFAULT_PORT, drain_s=availability.DRAIN_S)
    return tuple(env.items())


def _replicas(automation: Automation) -> int:
    spec = automation.action.deployment_spec
    scaling = spec.auto_scale_config
    if scaling is None:
        return spec.number_of_pods
    # Start inside the autoscaler's range so it does not have to correct us right after the rollout.
    return min(max(spec.number_of_pods, scaling.min_replica_count), scaling.max_replica_count)


def plan_for(
    automation: Automation,
    settings: KubernetesSettings,
    environment: Environment,
    image: str,
    commit: str,
    build_id: str,
) -> DeployPlan:
    spec = automation.action.deployment_spec
    return DeployPlan(
        automation=automation.name,
        model_id=automation.model_id,
        variation=spec.variation_name,
        environment=environment.name,
        namespace=environment.namespace,
        image=image,
        commit=commit,
        build_id=build_id,
        replicas=_replicas(automation),
        timeout_s=spec.deployment_timeout or settings.deploy_timeout_s,
        placement=for_deployment(spec, settings),
        env=_server_env(automation, build_id),
        iam_role_arn=spec.custom_iam_role_arn,
        autoscaling=spec.auto_scale_config,
        keda_enabled=settings.keda_enabled,
        prometheus_url=settings.prometheus_url,
        request_metrics=str(settings.request_metrics),
        pull_secret=settings.pull_secret,
    )


def render(automation: Automation, settings: KubernetesSettings) -> list[dict[str, Any]]:
    """Every object the deploy applies, for every environment, with a placeholder image tag (no build yet)."""
    image = registries.tagged(registries.registry(settings), automation.model_id, UNBUILT)
    objects: list[dict[str, Any]] = []
    for environment in resolve(automation, settings):
        objects.extend(render_plan(plan_for(automation, settings, environment, image, UNBUILT, UNBUILT)))
    return objects


def _image_ref(
    automation: Automation, build: BuildResult, image: Optional[ImageResult], settings: KubernetesSettings
) -> str:
    if image and image.image:
        return image.image  # by digest (image.pushed)
    # push_image: false: the user pushes the image themselves, under the build's tag.
    return registries.tagged(registries.registry(settings), automation.model_id, build.build_id)


def _target(plan: DeployPlan, result: RolloutResult) -> DeployTarget:
    return DeployTarget(
        environment=plan.environment,
        namespace=plan.namespace,
        deployment=plan.deployment_name,
        endpoint=plan.endpoint,
        variation_endpoint=plan.variation_endpoint,
        changed=result.changed,
        warnings=tuple(result.warnings),
        pruned=tuple(result.pruned),
        status="deployed",
    )


def deploy(
    automation: Automation,
    build: BuildResult,
    image: Optional[ImageResult],
    settings: KubernetesSettings,
    *,
    client_factory: Callable[[str], KubeClient] = client_for,
    clock: Optional[Clock] = None,
) -> DeployResult:
    """Roll the build out to every environment in order; stop at the first failure (which has been rolled back).

    Raises RolledBack / RollbackFailed / DeployFailed (backends.errors) and names the environments already updated.
    """
    ref = _image_ref(automation, build, image, settings)
    targets: list[DeployTarget] = []
    for environment in resolve(automation, settings):
        plan = plan_for(automation, settings, environment, ref, build.commit, build.build_id)
        log.info("deploying %s to %s (namespace %s)", ref, environment.name, environment.namespace)
        try:
            result = roll_out(
                client_factory(environment.conn_id), render_plan(plan), plan.timeout_s, clock, plan.replicas
            )
        except DeployFailed as exc:
            done = [t.environment for t in targets]
            # This environment's own outcome; the ones before it stay deployed, later ones were not touched.
            failed = DeployTarget(
                environment=plan.environment,
                namespace=plan.namespace,
                endpoint=plan.endpoint,
                status="rolled_back" if isinstance(exc, RolledBack) else "failed",
            )
            message = f"[{environment.name}] {exc}" + (f" (already updated: {done})" if done else "")
            raise type(exc)(message, targets=(*targets, failed)) from exc
        targets.append(_target(plan, result))
    return DeployResult(endpoint=targets[0].endpoint, build_id=build.build_id, image=ref, targets=tuple(targets))
