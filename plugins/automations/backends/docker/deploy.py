"""Docker deploy: run the serving image as a labelled container on ``deploy_host``, swap it in once healthy.

Order matters: the new container must answer /health before the previous one (same automation + variation,
found by labels) is stopped; a new one that never gets healthy is removed and the old one keeps serving.
The variation's stable URL is the local gateway's (automations.gateway), as on the local backend: the container's
own published port changes per deploy; the gateway routes to the new one before the old one is stopped with
``docker stop`` (SIGTERM: it drains its in-flight requests, MODEL_SERVER_DRAIN_S, then exits). Then the model's
``tests/it/`` run against the new container (integration.py); their outcome never fails the deploy.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from model_runtime import contract

from ... import model_env, serving_health
from ...gateway import control as gateway
from ...gateway import ports, registry
from ...gateway.containers import remove_container
from ...runs import BuildResult, DeployResult, ImageResult
from ...serving_health import Health
from ...settings import DockerSettings
from ...spec import Automation
from ..errors import DeployFailed
from . import engine
from .image import PORT, build_serving_image
from .integration import plan_tests, run_integration_tests
from .plan import LABEL_PREFIX
from .resources import clamp_nano_cpus, memory_bytes

log = logging.getLogger(__name__)

ROLE_SERVING = "serving"


@dataclass(frozen=True)
class ContainerPlan:
    image: str
    name: str
    environment: dict
    labels: dict
    nano_cpus: int
    mem_limit: int
    timeout_s: int
    drain_s: int = 35  # MODEL_SERVER_DRAIN_S (30) plus a margin: how long `docker stop` waits before SIGKILL


def plan_container(
    automation: Automation, build: BuildResult, image_ref: str, settings: DockerSettings
) -> ContainerPlan:
    """Pure: what the serving container looks like."""
    dep = automation.action.deployment_spec
    labels = {
        f"{LABEL_PREFIX}.automation": automation.name,
        f"{LABEL_PREFIX}.variation": dep.variation_name,
        f"{LABEL_PREFIX}.build_id": build.build_id,
        f"{LABEL_PREFIX}.role": ROLE_SERVING,
    }
    environment = model_env.server_env(automation, build.build_id)
    return ContainerPlan(
        image=image_ref,
        # Unique per deploy attempt: two deploys of one build within a second must not collide on the name.
        name=f"automations-{automation.name}-{dep.variation_name}-{build.build_id[-6:]}-{uuid.uuid4().hex[:8]}",
        environment=environment,
        labels=labels,
        nano_cpus=int(dep.cpu_fraction * 1_000_000_000),
        mem_limit=memory_bytes(dep.memory),
        timeout_s=dep.deployment_timeout or settings.deploy_timeout_s,
        drain_s=int(dep.env.get(contract.ENV_DRAIN_S) or 30) + 5,
    )


def deploy(
    automation: Automation, build: BuildResult, image: ImageResult | None, settings: DockerSettings
) -> DeployResult:
    ref = (image.image if image else None) or _local_image(automation, build, settings)
    plan = plan_container(automation, build, ref, settings)
    client = engine.client()
    previous = _serving_containers(client, automation.name, plan.labels[f"{LABEL_PREFIX}.variation"])
    container, port = _start(client, plan, settings.deploy_host)
    endpoint = f"http://{settings.deploy_host}:{port}"
    problem = wait_healthy(container, endpoint, plan.timeout_s)
    if problem:
        tail = engine.container_log_tail(container)
        container.remove(force=True)
        kept = ", ".join(c.name for c in previous) or "none"
        raise DeployFailed(f"{problem}; previous container(s) kept serving: {kept}\n--- server log ---\n{tail}")
    stable = route(automation, build, container, endpoint, settings)
    for old in previous:
        log.info("deploy: stopping previous container %s (it drains its in-flight requests first)", old.name)
        remove_container(old, plan.drain_s)
    log.info("deploy: %s serves %s at %s (stable URL %s)", container.name, ref, endpoint, stable)
    details = {"upstream": endpoint, "container": container.id, "container_name": container.name, "port": port}
    variation = plan.labels[f"{LABEL_PREFIX}.variation"]
    it_plan = plan_tests(ref, container.id, plan.environment, plan.labels)
    tested = run_integration_tests(client, it_plan, build.local_artifact)
    return DeployResult(
        endpoint=stable, build_id=build.build_id, image=ref, variation=variation, details=details,
        integration_tests=tested,
    )


def route(spec: Automation, build: BuildResult, container: Any, upstream: str, settings: DockerSettings) -> str:
    """Record the container behind the variation's stable URL and wait until the gateway sends traffic there."""
    from datetime import UTC, datetime

    dep, host, directory = spec.action.deployment_spec, settings.deploy_host, settings.deployments_dir
    key = registry.key(spec.name, dep.variation_name)
    with registry.locked(directory, spec.name, dep.variation_name):
        port = ports.assign(directory, key, host)
        gateway.ensure_running(directory, host)
        record = registry.Deployment(
            automation=spec.name, variation=dep.variation_name, build_id=build.build_id,
            endpoint=gateway.url(host, port), pid=0, port=port, host=host, artifact="", log_file="",
            started_at=datetime.now(UTC).isoformat(timespec="seconds"), upstream=upstream, model_id=spec.model_id,
            weight=dep.traffic_weight, backend="docker", container=container.id,
        )
        registry.write(directory, record)
        gateway.wait_routed(directory, host, key, upstream)
    return record.endpoint


def _local_image(spec: Automation, build: BuildResult, settings: DockerSettings) -> str:
    """push_image was off: build the serving image locally (not pushed) so there is something to run."""
    log.info("deploy: no pushed image; building the serving image locally")
    return build_serving_image(spec, build, settings).ref


def _serving_containers(client: Any, automation: str, variation: str) -> list:
    labels = [f"{LABEL_PREFIX}.automation={automation}", f"{LABEL_PREFIX}.variation={variation}",
              f"{LABEL_PREFIX}.role={ROLE_SERVING}"]
    return client.containers.list(all=True, filters={"label": labels})


def _start(client: Any, plan: ContainerPlan, host: str) -> tuple[Any, int]:
    """Run detached with the engine choosing a free host port on ``host`` (no pick-then-bind race)."""
    nano_cpus = clamp_nano_cpus(plan.nano_cpus, client.info()["NCPU"])
    container = client.containers.run(
        plan.image, name=plan.name, detach=True, environment=plan.environment, labels=plan.labels,
        ports={f"{PORT}/tcp": (host, None)}, nano_cpus=nano_cpus, mem_limit=plan.mem_limit,
        restart_policy={"Name": "unless-stopped"},
    )
    container.reload()
    bindings = container.attrs["NetworkSettings"]["Ports"][f"{PORT}/tcp"]
    return container, int(bindings[0]["HostPort"])


def wait_healthy(container: Any, endpoint: str, timeout_s: float, interval_s: float = 0.5) -> str | None:
    """None once GET /health answers 200; otherwise why not (exited, or still unhealthy at the deadline)."""
    outcome = serving_health.wait_healthy(endpoint, timeout_s, gone=lambda: _gone(container), interval_s=interval_s)
    if outcome is Health.healthy:
        return None
    if outcome is Health.exited:
        code = container.attrs["State"].get("ExitCode")
        return f"new serving container {container.name} exited (code {code}) before becoming healthy"
    return f"new serving container {container.name} was not healthy within {timeout_s:g} s"


def _gone(container: Any) -> bool:
    container.reload()
    return container.status in ("exited", "dead") or bool(container.attrs["State"].get("Restarting"))


def render(automation: Automation, settings: DockerSettings) -> list[dict]:
    """The Docker backend applies no Kubernetes objects."""
    return []
