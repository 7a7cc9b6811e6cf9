"""Every configuration read in one place. Values are read when asked for, so tests can set env per case."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLUGINS_DIR = PROJECT_ROOT / "plugins"
CONFIG_DIR = PROJECT_ROOT / "include" / "config"


class Backend(StrEnum):
    kubernetes = "kubernetes"
    docker = "docker"
    local = "local"


DEFAULT_BACKEND = Backend.kubernetes  # the production path; `make demo` and the tests set AUTOMATIONS_BACKEND=local


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _path(name: str, default: Path) -> Path:
    return Path(_env(name, str(default))).expanduser().resolve()


@dataclass(frozen=True)
class Settings:
    automations_dir: Path
    backend: Backend
    state_dir: Path
    artifact_root: str
    analytics_conn_id: str
    deploy_host: str
    deploy_timeout_s: int
    k8s_namespace: str
    k8s_conn_id: str
    build_image: str
    registry: str
    first_deploy_passes: bool
    # Docker backend (brief D): image builds run in (scripts/docker/ensure_base_image.sh), network, time limit.
    docker_image: str = "automations-base:bookworm"
    docker_network: str = "none"
    docker_build_timeout_s: int = 3600
    # Local backend: build environments kept per automation besides the deployed ones (older ones are pruned).
    local_keep_builds: int = 3
    # Statement timeout of a gate's SQL threshold query, seconds.
    gate_query_timeout_s: int = 30
    # Kubernetes deploy (brief E): environment map, KEDA on/off (HPA fallback), Prometheus for KEDA triggers.
    environments_file: Path = PROJECT_ROOT / "include" / "config" / "environments.yaml"
    keda_enabled: bool = True
    prometheus_url: str = "http://prometheus-server.monitoring.svc.cluster.local:80"
    # Kubernetes build (brief C): placement overrides, pod cleanup, artifact volume, source mode, Kaniko.
    k8s_placement_file: str = ""
    k8s_on_finish_action: str = "delete_succeeded_pod"
    k8s_artifact_pvc: str = "automations-artifacts"
    k8s_artifact_mount: str = ""
    k8s_source: str = "artifact"
    k8s_git_image: str = "alpine/git:2.45.2"
    k8s_service_account: str = ""
    kaniko_image: str = "gcr.io/kaniko-project/executor:v1.23.2"
    registry_secret: str = "registry-credentials"

    @property
    def workspaces_dir(self) -> Path:
        return self.state_dir / "workspaces"

    @property
    def envs_dir(self) -> Path:
        return self.state_dir / "envs"

    @property
    def deployments_dir(self) -> Path:
        return self.state_dir / "deployments"


def _backend() -> Backend:
    raw = _env("AUTOMATIONS_BACKEND", DEFAULT_BACKEND.value)
    try:
        return Backend(raw)
    except ValueError:
        raise ValueError(f"AUTOMATIONS_BACKEND={raw!r} is not one of {[b.value for b in Backend]}") from None


def get_settings() -> Settings:
    state_dir = _path("AUTOMATIONS_STATE_DIR", PROJECT_ROOT / ".state")
    return Settings(
        automations_dir=_path("AUTOMATIONS_DIR", PROJECT_ROOT / "include" / "automations"),
        backend=_backend(),
        state_dir=state_dir,
        artifact_root=_env("AUTOMATIONS_ARTIFACT_ROOT", (state_dir / "artifacts").as_uri()),
        analytics_conn_id=_env("AUTOMATIONS_ANALYTICS_CONN_ID", "model_analytics"),
        deploy_host=_env("AUTOMATIONS_DEPLOY_HOST", "127.0.0.1"),
        deploy_timeout_s=int(_env("AUTOMATIONS_DEPLOY_TIMEOUT", "300")),
        k8s_namespace=_env("AUTOMATIONS_K8S_NAMESPACE", "models"),
        k8s_conn_id=_env("AUTOMATIONS_K8S_CONN_ID", "kubernetes_default"),
        build_image=_env("AUTOMATIONS_BUILD_IMAGE", "python:3.11-slim"),
        registry=_env("AUTOMATIONS_REGISTRY", "localhost:5000"),
        first_deploy_passes=_env("AUTOMATIONS_FIRST_DEPLOY_PASSES", "true").lower() in ("1", "true", "yes"),
        docker_image=_env("AUTOMATIONS_DOCKER_IMAGE", "automations-base:bookworm"),
        docker_network=_env("AUTOMATIONS_DOCKER_NETWORK", "none"),
        docker_build_timeout_s=int(_env("AUTOMATIONS_DOCKER_BUILD_TIMEOUT", "3600")),
        local_keep_builds=int(_env("AUTOMATIONS_LOCAL_KEEP_BUILDS", "3")),
        gate_query_timeout_s=int(_env("AUTOMATIONS_GATE_QUERY_TIMEOUT", "30")),
        environments_file=_path("AUTOMATIONS_ENVIRONMENTS_FILE", CONFIG_DIR / "environments.yaml"),
        keda_enabled=_env("AUTOMATIONS_KEDA_ENABLED", "true").lower() in ("1", "true", "yes"),
        prometheus_url=_env("AUTOMATIONS_PROMETHEUS_URL", "http://prometheus-server.monitoring.svc.cluster.local:80"),
        k8s_placement_file=_env("AUTOMATIONS_K8S_PLACEMENT_FILE", ""),
        k8s_on_finish_action=_env("AUTOMATIONS_K8S_ON_FINISH_ACTION", "delete_succeeded_pod"),
        k8s_artifact_pvc=_env("AUTOMATIONS_K8S_ARTIFACT_PVC", "automations-artifacts"),
        k8s_artifact_mount=_env("AUTOMATIONS_K8S_ARTIFACT_MOUNT", ""),
        k8s_source=_env("AUTOMATIONS_K8S_SOURCE", "artifact"),
        k8s_git_image=_env("AUTOMATIONS_K8S_GIT_IMAGE", "alpine/git:2.45.2"),
        k8s_service_account=_env("AUTOMATIONS_K8S_SERVICE_ACCOUNT", ""),
        kaniko_image=_env("AUTOMATIONS_KANIKO_IMAGE", "gcr.io/kaniko-project/executor:v1.23.2"),
        registry_secret=_env("AUTOMATIONS_REGISTRY_SECRET", "registry-credentials"),
    )
