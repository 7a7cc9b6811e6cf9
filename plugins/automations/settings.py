"""Every configuration read in one place: ``get_settings()`` reads the environment once and returns frozen settings.

The ``AUTOMATIONS_*`` variable names are the user's interface; each field names its variable in
``validation_alias``. Settings that only one backend uses live in that backend's slice (``settings.kubernetes``,
``settings.docker``, ``settings.local``), so a backend is handed its own slice and nothing else.
"""

from __future__ import annotations

import functools
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLUGINS_DIR = PROJECT_ROOT / "plugins"
CONFIG_DIR = PROJECT_ROOT / "include" / "config"


class Backend(StrEnum):
    kubernetes = "kubernetes"
    docker = "docker"
    local = "local"


class OnFinishAction(StrEnum):
    """What happens to a Kubernetes build pod when it ends (the provider's ``on_finish_action`` values)."""

    delete_pod = "delete_pod"
    delete_succeeded_pod = "delete_succeeded_pod"
    keep_pod = "keep_pod"
    delete_active_pod = "delete_active_pod"


class RequestMetrics(StrEnum):
    """Which series the KEDA latency/error_rate/throughput triggers read: the model server's own /metrics
    (scraped by Prometheus, no mesh needed) or an Istio mesh's standard metrics."""

    server = "server"
    istio = "istio"


class SourceMode(StrEnum):
    """Where a Kubernetes build pod gets the model's source: the clone step's tarball, or a git clone of its own."""

    artifact = "artifact"
    git = "git"


class PlacementProfile(StrEnum):
    """How GPU and spot nodes are labelled (backends/kubernetes/placement.py; one YAML file per profile)."""

    gfd = "gfd"  # NVIDIA GPU Feature Discovery labels (any cluster with the GPU Operator)
    gke = "gke"
    eks_karpenter = "eks-karpenter"
    aks = "aks"
    nvidia_resource = "nvidia-resource"  # only the nvidia.com/gpu request, no node labels


DEFAULT_BACKEND = Backend.kubernetes  # the production path; `make demo` and the tests set AUTOMATIONS_BACKEND=local


def _absolute(path: Path) -> Path:
    return path.expanduser().resolve()


AbsolutePath = Annotated[Path, AfterValidator(_absolute)]


def _env(name: str, default: Any) -> Any:
    """A field read from ``AUTOMATIONS_<name>``."""
    return Field(default, validation_alias=f"AUTOMATIONS_{name}")


class _Slice(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", validate_default=True, populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _trimmed_or_default(cls, value: Any, info: ValidationInfo) -> Any:
        """Values are trimmed, and a blank variable means the default, as an unset one does."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        return value if value or info.field_name is None else cls.model_fields[info.field_name].default

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (tests, ``render --backend``)."""
        unknown = sorted(set(changes) - set(type(self).model_fields))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no setting(s) {unknown}")
        return self.model_copy(update=changes)


class SharedSettings(_Slice):
    """What more than one layer uses: every backend slice carries these too, read from the same variables."""

    # Workspaces, build environments, local deployments and the embedded analytics database live here.
    state_dir: AbsolutePath = _env("STATE_DIR", PROJECT_ROOT / ".state")
    # Sources and model artifacts (an ObjectStoragePath URI); empty: <state_dir>/artifacts.
    artifact_root: str = _env("ARTIFACT_ROOT", "")
    # Host that local and docker deployments bind to, and how long a deploy may take to become healthy.
    deploy_host: str = _env("DEPLOY_HOST", "127.0.0.1")
    deploy_timeout_s: int = _env("DEPLOY_TIMEOUT", 300)
    # The registry serving images are pushed to and deployments pull from.
    registry: str = _env("REGISTRY", "localhost:5000")
    # The named deployment environments (Kubernetes clusters and namespaces).
    environments_file: AbsolutePath = _env("ENVIRONMENTS_FILE", CONFIG_DIR / "environments.yaml")
    # The instance-size, GPU and purchase-option tables (placement_tables.py): node labels per cloud
    # (include/config/kubernetes/profiles/: gfd, gke, eks-karpenter, aks, nvidia-resource), and a YAML file
    # overriding entries (empty: none). Kubernetes places pods by them; docker and local read the instance sizes.
    placement_profile: PlacementProfile = _env("K8S_PLACEMENT_PROFILE", "gfd")
    placement_file: str = _env("K8S_PLACEMENT_FILE", "")

    @model_validator(mode="after")
    def _default_artifact_root(self) -> SharedSettings:
        if not self.artifact_root:
            object.__setattr__(self, "artifact_root", (self.state_dir / "artifacts").as_uri())
        return self

    @property
    def workspaces_dir(self) -> Path:
        return self.state_dir / "workspaces"

    @property
    def envs_dir(self) -> Path:
        return self.state_dir / "envs"

    @property
    def deployments_dir(self) -> Path:
        return self.state_dir / "deployments"


class KubernetesSettings(SharedSettings):
    """The kubernetes backend: build pods, serving-image (Kaniko) pods and deployments."""

    # Namespace and Airflow connection used when an automation names no environment.
    namespace: str = _env("K8S_NAMESPACE", "models")
    conn_id: str = _env("K8S_CONN_ID", "kubernetes_default")
    # The image build pods run in when the build spec names no base_image.
    build_image: str = _env("BUILD_IMAGE", "python:3.11-slim")
    # Pod cleanup after a build: failed pods stay for inspection by default.
    on_finish_action: OnFinishAction = _env("K8S_ON_FINISH_ACTION", OnFinishAction.delete_succeeded_pod)
    # The ReadWriteMany claim holding the artifact root, and where build pods mount it (empty: /artifacts).
    artifact_pvc: str = _env("K8S_ARTIFACT_PVC", "automations-artifacts")
    artifact_mount: str = _env("K8S_ARTIFACT_MOUNT", "")
    # How build pods get the source, and the image that clones it in git mode.
    source: SourceMode = _env("K8S_SOURCE", SourceMode.artifact)
    git_image: str = _env("K8S_GIT_IMAGE", "alpine/git:2.45.2")
    # The build pods' service account; empty: one named after the automation when it asks for IRSA, else none.
    service_account: str = _env("K8S_SERVICE_ACCOUNT", "")
    # Seconds a build pod may run before the kubelet stops it (activeDeadlineSeconds).
    build_timeout_s: int = _env("K8S_BUILD_TIMEOUT", 7200)
    # Kaniko builds the serving image and pushes it with the docker-config Secret named here.
    # (osscontainertools' maintained fork; the -debug image has the shell that reports the digest.)
    kaniko_image: str = _env("KANIKO_IMAGE", "ghcr.io/osscontainertools/kaniko:v1.28.5-debug")
    # "none": no docker-config Secret (workload identity through K8S_IMAGE_SERVICE_ACCOUNT instead).
    registry_secret: str = _env("REGISTRY_SECRET", "registry-credentials")
    # Kaniko's layer cache repository; empty: <registry>/<model_id>/cache.
    cache_repo: str = _env("K8S_CACHE_REPO", "")
    # Service account of the push_image pod: IRSA (ECR push role) or GKE Workload Identity; empty: the default.
    image_service_account: str = _env("K8S_IMAGE_SERVICE_ACCOUNT", "")
    # A kubernetes.io/dockerconfigjson Secret serving Deployments pull with (imagePullSecrets); empty: none.
    pull_secret: str = _env("K8S_PULL_SECRET", "")
    # Autoscaling: KEDA ScaledObjects (off: a HorizontalPodAutoscaler), and the Prometheus their triggers query.
    keda_enabled: bool = _env("KEDA_ENABLED", True)
    prometheus_url: str = _env("PROMETHEUS_URL", "http://prometheus-server.monitoring.svc.cluster.local:80")
    request_metrics: RequestMetrics = _env("K8S_REQUEST_METRICS", RequestMetrics.server)


class DockerSettings(SharedSettings):
    """The docker backend: the image builds run in (scripts/docker/ensure_base_image.sh), network, time limit."""

    image: str = _env("DOCKER_IMAGE", "automations-base:bookworm")
    network: str = _env("DOCKER_NETWORK", "none")
    # Phase one of a build installs dependencies with this network (then tests and training run with `network`);
    # a mirror (index_url) and/or a host folder of wheels (wheelhouse; alone, it means no index at all).
    install_network: str = _env("DOCKER_INSTALL_NETWORK", "bridge")
    index_url: str = _env("DOCKER_INDEX_URL", "")
    wheelhouse: str = _env("DOCKER_WHEELHOUSE", "")
    # A host CA bundle for the install container (a TLS-intercepting proxy or a private mirror's CA).
    ca_bundle: str = _env("DOCKER_CA_BUNDLE", "")
    build_timeout_s: int = _env("DOCKER_BUILD_TIMEOUT", 3600)
    # An Airflow Connection (login, password) push_image sends to the registry; empty: the engine's own login.
    registry_conn_id: str = _env("DOCKER_REGISTRY_CONN_ID", "")


class LocalSettings(SharedSettings):
    """The local backend."""

    # Build environments kept per automation besides the deployed ones; older ones are pruned.
    keep_builds: int = _env("LOCAL_KEEP_BUILDS", 3)


class Settings(SharedSettings):
    """What the DAG side reads, the shared settings, and one slice per backend."""

    automations_dir: AbsolutePath = _env("DIR", PROJECT_ROOT / "include" / "automations")
    backend: Backend = _env("BACKEND", DEFAULT_BACKEND)
    analytics_conn_id: str = _env("ANALYTICS_CONN_ID", "model_analytics")
    # Validated definitions kept under <state_dir>/parse-cache, keyed by file content (parse_cache.py).
    parse_cache: bool = _env("PARSE_CACHE", True)
    # Whether the gate passes a comparison against the deployed model when nothing is deployed yet.
    first_deploy_passes: bool = _env("FIRST_DEPLOY_PASSES", True)
    # Statement timeout of a gate's SQL threshold query.
    gate_query_timeout_s: int = _env("GATE_QUERY_TIMEOUT", 30)
    # Longest a Python definition file may run while being imported, seconds (0: no limit of its own).
    python_definition_timeout_s: float = _env("PYTHON_DEFINITION_TIMEOUT", 5.0)
    # Notifications (on_success/on_error): seconds per HTTP attempt; one retry follows a failed attempt.
    notify_timeout_s: float = _env("NOTIFY_TIMEOUT", 10.0)
    # MetricBasedTrigger: after a fire, wait for a recovered check before firing again, and never fire twice
    # within this many seconds.
    metric_require_recovery: bool = _env("METRIC_REQUIRE_RECOVERY", True)
    metric_min_spacing_s: int = _env("METRIC_MIN_SPACING", 3600)
    # Whether git_uri may use file:// (the demo and the tests need it; production can forbid local repositories).
    git_allow_file: bool = _env("GIT_ALLOW_FILE", True)
    # Seconds between the clone's retries, which only a network failure gets (a wrong URL, token or branch fails
    # at once).
    clone_retry_delay_s: float = _env("CLONE_RETRY_DELAY", 30.0)
    # How long an analytics write keeps retrying while the database is unreachable (e.g. restarting), seconds.
    analytics_write_retry_s: float = _env("ANALYTICS_WRITE_RETRY", 30.0)
    # `python -m automations run`: the Airflow API server to trigger through (empty: the `airflow dags trigger`
    # command against this machine's AIRFLOW_HOME), and its credentials: a token, or a user and password.
    airflow_url: str = _env("AIRFLOW_URL", "")
    airflow_token: SecretStr = _env("AIRFLOW_TOKEN", SecretStr(""))
    airflow_username: str = _env("AIRFLOW_USERNAME", "")
    airflow_password: SecretStr = _env("AIRFLOW_PASSWORD", SecretStr(""))

    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings)
    docker: DockerSettings = Field(default_factory=DockerSettings)
    local: LocalSettings = Field(default_factory=LocalSettings)

    def backend_slice(self, backend: Backend | None = None) -> BackendSettings:
        """The settings a backend is given: its own slice (which carries the shared settings)."""
        slices: dict[Backend, BackendSettings] = {
            Backend.kubernetes: self.kubernetes,
            Backend.docker: self.docker,
            Backend.local: self.local,
        }
        return slices[Backend(backend or self.backend)]

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed; a slice may be given as a dict of its changes. Shared settings that
        change reach every slice, as if the variable had been set."""
        shared = {k: v for k, v in changes.items() if k in SharedSettings.model_fields}
        for name in _SLICES:
            given = changes.get(name)
            own: dict[str, Any] = given if isinstance(given, dict) else {}
            if shared or own:
                changes[name] = getattr(self, name).model_copy(update={**shared, **own})
        return self.model_copy(update=changes)


_SLICES = ("kubernetes", "docker", "local")
BackendSettings = KubernetesSettings | DockerSettings | LocalSettings


class SettingsError(ValueError):
    """An ``AUTOMATIONS_*`` variable holds a value that is not allowed."""


def get_settings() -> Settings:
    """Read every ``AUTOMATIONS_*`` variable now; errors name the variable and the values it accepts."""
    # Settings are frozen and a pure function of these: reuse them while none changes. Building them costs
    # ~10 ms (pydantic-settings), and parse-time code asks for them per DAG.
    return _settings_for((os.getcwd(), os.environ.get("HOME"), _our_variables()))


_PREFIX = "AUTOMATIONS_"


def _our_variables() -> tuple:
    raw = getattr(os.environ, "_data", None)  # CPython's undecoded copy: ~5x faster to scan than items()
    if isinstance(raw, dict):
        return tuple((k, v) for k, v in raw.items() if k[:12].upper() == b"AUTOMATIONS_")
    return tuple((k, v) for k, v in os.environ.items() if k.upper().startswith(_PREFIX))


@functools.lru_cache(maxsize=16)
def _settings_for(_inputs: tuple) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}={e['input']!r}: {e['msg']}" for e in exc.errors())
        raise SettingsError(problems) from None
