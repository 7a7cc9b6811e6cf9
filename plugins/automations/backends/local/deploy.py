"""The local deploy: start the model server as a detached process, switch over only once it is healthy.

Order matters: start new (private port) -> wait for /health -> record it -> wait until the local gateway routes
the variation's stable URL to it -> stop the previous one, which drains its in-flight requests. A new server
that never becomes healthy is killed and never receives traffic; the previous one keeps serving (DeployFailed,
with the new server's log tail). See automations.gateway for the stable URLs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

from model_runtime import contract

from ... import model_env, serving_health
from ...artifacts import download_tree
from ...gateway import containers, ports, registry
from ...gateway import control as gateway
from ...gateway.supervise import launch_path
from ...ids import safe_path_part
from ...runs import BuildResult, DeployResult, ImageResult
from ...serving_health import Health
from ..errors import DeployFailed, RolledBack
from . import pending, retention
from .environment import child_env
from .integration import run_integration_tests
from .process import stop_group

if TYPE_CHECKING:
    from ...settings import LocalSettings
    from ...spec import Automation


@dataclass(frozen=True)
class ServerPlan:
    """Everything needed to start one server; built by a pure function, applied by ``start``."""

    automation: str
    variation: str
    build_id: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    cwd: str
    host: str
    port: int
    endpoint: str
    log_file: str
    artifact: str
    timeout_s: int


def render(automation: Automation, settings: LocalSettings) -> list[dict]:
    return []  # a local deploy creates no Kubernetes objects


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def server_env(automation: Automation, build_id: str, runtime_path: str, base: dict[str, str]) -> dict:
    """``base`` without leaks (child_env), then model_env.server_env, then the build's runtime copy on PYTHONPATH."""
    return {**child_env(base), **model_env.server_env(automation, build_id), "PYTHONPATH": runtime_path}


def plan_server(
    automation: Automation, build: BuildResult, artifact: Path, port: int, settings: LocalSettings, base_env: dict
) -> ServerPlan:
    """Pure: the command, environment, endpoint and log file of the server for ``build``."""
    spec = automation.action.deployment_spec
    host, build_id = settings.deploy_host, build.build_id
    runtime_path = build.runtime_path or str(Path(__file__).resolve().parents[3])
    log_name = f"{registry.key(automation.name, spec.variation_name)}--{safe_path_part(build_id)}.log"
    return ServerPlan(
        automation=automation.name,
        variation=spec.variation_name,
        build_id=build_id,
        command=tuple(contract.serve_command(build.python or "python", str(artifact), port, host)),
        env=tuple(sorted(server_env(automation, build_id, runtime_path, base_env).items())),
        cwd=str(artifact),
        host=host,
        port=port,
        endpoint=gateway.url(host, port),  # the any-address is reached on loopback
        log_file=str(settings.deployments_dir / "logs" / log_name),
        artifact=str(artifact),
        timeout_s=spec.deployment_timeout or settings.deploy_timeout_s,
    )


def local_artifact(build: BuildResult, settings: LocalSettings) -> Path:
    """The build's output directory on this machine, downloading it from the artifact store if needed."""
    local = build.local_artifact
    if local and (Path(local) / contract.ARTIFACT_FILE).is_file():
        return Path(local)
    target = settings.deployments_dir / "artifacts" / safe_path_part(build.build_id)
    if not (target / contract.ARTIFACT_FILE).is_file():
        download_tree(build.artifact_uri, target)
    return target


def start(plan: ServerPlan) -> subprocess.Popen:
    """Start the server detached: its own session (outlives the task and Airflow), output to its log file."""
    log_path = Path(plan.log_file)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            list(plan.command),
            cwd=plan.cwd,
            env=dict(plan.env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )


def log_tail(path: str, lines: int = 40) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_healthy(plan: ServerPlan, proc: subprocess.Popen) -> None:
    """Return once /health answers 200; raise DeployFailed if the server exits or the timeout passes."""
    outcome = serving_health.wait_healthy(plan.endpoint, plan.timeout_s, gone=lambda: proc.poll() is not None)
    if outcome is Health.healthy:
        return
    why = f"exited with {proc.returncode} before becoming healthy" if outcome is Health.exited else (
        f"was not healthy within {plan.timeout_s}s"
    )
    raise DeployFailed(
        f"{plan.automation}: the server for build {plan.build_id} {why}. "
        f"Server log ({plan.log_file}):\n{log_tail(plan.log_file)}"
    )


def record_of(plan: ServerPlan, pid: int, stable_port: int, automation: Automation) -> registry.Deployment:
    spec = automation.action.deployment_spec
    return registry.Deployment(
        automation=plan.automation,
        variation=plan.variation,
        build_id=plan.build_id,
        endpoint=gateway.url(plan.host, stable_port),
        pid=pid,
        port=stable_port,
        host=plan.host,
        artifact=plan.artifact,
        log_file=plan.log_file,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        upstream=plan.endpoint,
        model_id=automation.model_id,
        weight=spec.traffic_weight,
    )


def write_launch(directory: Path, plan: ServerPlan) -> None:
    """What the gateway's supervisor needs to start this server again; 0600: the env may hold the model's secrets."""
    path = launch_path(directory, registry.key(plan.automation, plan.variation))
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps(asdict(plan)))
    os.replace(tmp, path)


def drain_s(plan: ServerPlan) -> float:
    """How long the old server may take to finish its in-flight requests before it is killed."""
    return float(dict(plan.env).get(contract.ENV_DRAIN_S) or 30) + 5


def deploy(
    automation: Automation, build: BuildResult, image: Optional[ImageResult], settings: LocalSettings
) -> DeployResult:
    """Serve ``build`` for the automation's variation; the previous server is stopped only after the switch."""
    variation = automation.action.deployment_spec.variation_name
    directory = settings.deployments_dir
    if not Path(build.python or "").is_file():
        # The server runs in the build's own venv: without it the model's dependencies are not installed anywhere.
        raise DeployFailed(
            f"{automation.name}: the build environment {build.python!r} of build "
            f"{build.build_id} no longer exists on this machine; rebuild to deploy it"
        )
    host, key = settings.deploy_host, registry.key(automation.name, variation)
    with registry.locked(directory, automation.name, variation):
        pending.recover(directory, automation.name, variation, launch_path(directory, key))
        artifact = local_artifact(build, settings)
        stable_port = ports.assign(directory, key, host)
        gateway.ensure_running(directory, host)
        plan = plan_server(automation, build, artifact, free_port(host), settings, dict(os.environ))
        previous = registry.read(directory, automation.name, variation)
        proc = start(plan)
        in_flight = _in_flight(plan, proc, previous, launch_path(directory, key))
        pending.mark(directory, key, in_flight)  # if this process is killed now, the next deploy cleans up
        try:
            record = record_of(plan, proc.pid, stable_port, automation)
            _switch(plan, proc, record, previous, in_flight.previous_launch, directory)
        finally:
            pending.clear(directory, key)
    retention.prune(settings, automation.name)
    details = {"model_endpoint": model_endpoint(directory, host, record.model_id), "upstream": plan.endpoint}
    env = dict(plan.env)
    tested = run_integration_tests(
        plan.command[0], artifact / contract.SOURCE_DIR, plan.endpoint, env["PYTHONPATH"], env
    )
    return DeployResult(
        endpoint=record.endpoint,
        build_id=plan.build_id,
        variation=variation,
        details={**details, "pid": proc.pid},
        integration_tests=tested,
    )


def _in_flight(
    plan: ServerPlan, proc: subprocess.Popen, previous: Optional[registry.Deployment], launch: Path
) -> pending.Pending:
    before = pending.Server(previous.pid, previous.artifact, previous.build_id) if previous else None
    old_launch = launch.read_text() if launch.is_file() else None
    return pending.Pending(pending.Server(proc.pid, plan.artifact, plan.build_id), before, old_launch)


def _switch(
    plan: ServerPlan,
    proc: subprocess.Popen,
    record: registry.Deployment,
    previous: Optional[registry.Deployment],
    old_launch: Optional[str],
    directory: Path,
) -> None:
    """Healthy -> recorded -> routed -> still healthy -> the previous server stops; otherwise the previous serves."""
    try:
        wait_healthy(plan, proc)
    except BaseException:
        stop_group(proc.pid, grace_s=5.0)  # also on KeyboardInterrupt / task kill: never leave it orphaned
        raise
    write_launch(directory, plan)
    registry.write(directory, record)
    gateway.wait_routed(directory, plan.host, registry.key(plan.automation, plan.variation), plan.endpoint)
    if proc.poll() is not None or not serving_health.healthy(plan.endpoint):
        _roll_back(plan, proc, previous, old_launch, directory)
    if previous is not None and previous.pid != proc.pid:
        registry.stop(previous, grace_s=drain_s(plan))


def _roll_back(
    plan: ServerPlan,
    proc: subprocess.Popen,
    previous: Optional[registry.Deployment],
    old_launch: Optional[str],
    directory: Path,
) -> NoReturn:
    """The new server died after it became healthy, before the old one stopped: route back to the old one."""
    key = registry.key(plan.automation, plan.variation)
    launch = launch_path(directory, key)
    if previous is None:
        registry.remove(directory, plan.automation, plan.variation)
        launch.unlink(missing_ok=True)
        gateway.wait_unrouted(directory, plan.host, key)
    else:
        registry.write(directory, previous)
        if old_launch is not None:
            launch.write_text(old_launch)
        if previous.upstream:
            gateway.wait_routed(directory, plan.host, key, previous.upstream)
    code = proc.poll()
    stop_group(proc.pid, grace_s=2.0)
    what = f"exited with {code}" if code is not None else "stopped answering /health"
    message = (
        f"{plan.automation}: the server for build {plan.build_id} {what} after it became healthy, before the "
        f"switch completed. Server log ({plan.log_file}):\n{log_tail(plan.log_file)}"
    )
    if previous is None:
        raise DeployFailed(message)
    raise RolledBack(f"rolled back: build {previous.build_id} serves again. {message}")


def model_endpoint(directory: Path, host: str, model_id: str) -> str:
    """Qwak's per-model URL on the gateway: POST it to reach any deployed variation, by traffic_weight."""
    return f"{gateway.url(host, ports.assign(directory, ports.MODELS_KEY, host))}/v1/{model_id}/predict"


def undeploy(settings: LocalSettings, automation: str, variation: Optional[str] = None) -> list[registry.Deployment]:
    """Stop the automation's servers (one variation, or all); returns the ones stopped."""
    stopped = []
    for deployment in registry.all_deployments(settings.deployments_dir):
        if deployment.automation != automation or (variation is not None and deployment.variation != variation):
            continue
        directory, key = settings.deployments_dir, registry.key(deployment.automation, deployment.variation)
        with registry.locked(directory, deployment.automation, deployment.variation):
            # Unroute first, then stop: requests in flight finish, new ones get the gateway's 503.
            registry.remove(directory, deployment.automation, deployment.variation)
            gateway.wait_unrouted(directory, settings.deploy_host, key)
            if deployment.backend == "docker":
                containers.remove_recorded(deployment.container)
            elif not registry.stop(deployment, grace_s=35):
                registry.write(directory, deployment)  # still running: it stays recorded (and routed)
                raise RuntimeError(f"could not stop pid {deployment.pid} of {automation}/{deployment.variation}")
            launch_path(directory, key).unlink(missing_ok=True)
        stopped.append(deployment)
    if stopped and not registry.all_deployments(settings.deployments_dir):
        gateway.stop(settings.deployments_dir)  # nothing left to serve; the next deploy restarts it on the same ports
    return stopped
