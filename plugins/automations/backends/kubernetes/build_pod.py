"""The build pod as plain Kubernetes JSON: a pure function of the definition and the settings (no client, no I/O).

How the pieces reach the pod (decided here, documented once):

* **Artifact volume.** A PersistentVolumeClaim (``settings.artifact_pvc``, ReadWriteMany) holds the artifact
  root. Airflow workers see it as ``settings.artifact_root`` (``file://`` on the same volume); the pod mounts it at
  ``settings.artifact_mount`` (default ``/artifacts``). Paths below the root are the same on both sides, so
  the clone's tarball ``<root>/<name>/sources/<commit>.tar.gz`` is ``<mount>/<name>/sources/<commit>.tar.gz`` in
  the pod, and the build writes its output to ``<mount>/<name>/builds/<build_id>`` which the DAG side reads as
  ``artifacts.store_path(settings, name, "builds", build_id)``. (An ``s3://``/``gs://`` root would need an upload
  step in the pod; not done.)
* **model_runtime.** Any image with Python 3.9+ can build: the operator copies ``plugins/model_runtime`` onto the
  artifact volume under ``_runtime/<content digest>/`` before the pod starts, and the pod puts that folder on
  ``PYTHONPATH``. The digest makes concurrent builds of different versions safe.
* **Source.** ``settings.source == "artifact"`` (default): an init container (the build image) unpacks the
  tarball that ``clone`` uploaded for the pinned commit. ``"git"``: an init container clones the repository and
  checks out exactly that commit; a private repo's token comes from the Kubernetes Secret
  ``dns_name(git_access_token_secret)`` (key ``token``) through ``secretKeyRef``, only into that init container,
  and reaches git through a credential helper: it is never a literal in the spec, its args or env values.
* **Dependency list.** ``clone`` translated the model's dependency file into ``contract.DEPENDENCIES_FILE``
  inside the tarball. In ``"git"`` mode the checkout lacks it, so the ``install`` init container copies the
  clone's copy, ``<mount>/<name>/sources/<commit>.dependencies.json``, into the source first (the build's
  ``src/`` then carries it to the serving image, as in artifact mode).
* **Per-run identity** (commit, build id, output dir) is added by the operator from the task context
  (``build.add_identity``), so nothing user-written goes through Jinja.
* **Metrics** leave through the KubernetesPodOperator's XCom sidecar: the runtime writes
  ``contract.KUBERNETES_XCOM_FILE`` (``--xcom-file``).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from model_runtime import contract

from ... import model_env, runtime_package
from ...ids import build_id as make_build_id
from ...runs import CloneResult
from ...settings import KubernetesSettings
from ...spec import Automation
from ...steps.git_safety import redact_url
from . import names, placement, security
from .names import dns_name, label_value, tag_labels

BASE_CONTAINER = "base"  # the KubernetesPodOperator's name for the main container
WORKSPACE = "/workspace"
SOURCE_DIR = f"{WORKSPACE}/src"
DEFAULT_MOUNT = "/artifacts"
TOKEN_KEY = "token"
ENV_COMMIT = "AUTOMATION_COMMIT"
ENV_OUTPUT = "MODEL_BUILD_OUTPUT"
ENV_SOURCE_TARBALL = "MODEL_SOURCE_TARBALL"
ENV_DEPENDENCIES = "MODEL_DEPENDENCY_LIST"  # the clone's dependency list on the artifact volume (git mode reads it)
ENV_GIT_TOKEN = "GIT_TOKEN"


# ---------------------------------------------------------------------------------------------------- names


def artifact_mount(settings: KubernetesSettings) -> str:
    return (settings.artifact_mount or DEFAULT_MOUNT).rstrip("/") or DEFAULT_MOUNT


def service_account(automation: Automation, settings: KubernetesSettings) -> str:
    """A per-automation account when an IAM role must be assumed (IRSA), else the settings' shared one, else none.

    The role goes on an account of this automation's own: annotating the shared account would give every
    automation using it the last one's role.
    """
    if automation.action.build_spec.assumed_iam_role:
        return dns_name(f"{automation.name}-build")
    return settings.service_account


runtime_digest = runtime_package.digest  # the folder model_runtime is staged under on the artifact volume
runtime_files = runtime_package.files


# ---------------------------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class BuildPodPlan:
    """Everything the build pod needs that does not change from run to run."""

    name: str
    namespace: str
    image: str
    labels: dict[str, str]
    annotations: dict[str, str]
    service_account: str
    placement: placement.Placement
    env: dict[str, str]
    main_dir: str
    mount: str
    pvc: str
    source_mode: str
    git: dict[str, str]  # repo, branch, subdir, token_secret ("" when public); used in git mode only
    git_image: str
    startup_timeout_s: int


def plan(automation: Automation, settings: KubernetesSettings) -> BuildPodPlan:
    spec = automation
    build = spec.action.build_spec
    repo, subdir = build.location
    return BuildPodPlan(
        name=dns_name(f"build-{automation.name}", limit=50),  # the operator adds a random suffix
        namespace=settings.namespace,
        image=build.base_image or settings.build_image,
        labels=pod_labels(automation),
        annotations=names.irsa_annotations(build.assumed_iam_role),
        service_account=service_account(automation, settings),
        placement=placement.for_build(build, settings),
        env=_static_env(automation),
        main_dir=build.main_dir,
        mount=artifact_mount(settings),
        pvc=settings.artifact_pvc,
        source_mode=settings.source,
        git={
            "repo": redact_url(repo),  # credentials only ever come from the Secret
            "branch": build.git_branch,
            "subdir": subdir,
            "token_secret": dns_name(build.git_access_token_secret) if build.git_access_token_secret else "",
        },
        git_image=settings.git_image,
        # Qwak gives provision_instance_timeout in minutes; the operator waits in seconds.
        startup_timeout_s=max(build.provision_instance_timeout, 1) * 60,
    )


def pod_labels(automation: Automation) -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": names.MANAGED_BY,
        "app.kubernetes.io/component": "build",
        "automations/automation": label_value(automation.name),
        "automations/model-id": label_value(automation.model_id),
        **tag_labels(automation.action.build_spec.tags),
    }


def _static_env(automation: Automation) -> dict[str, str]:
    """model_env.build_env (the build id is added per run, ``Identity``)."""
    return {
        **model_env.build_env(automation),
        "PYTHONUNBUFFERED": "1",  # the task log streams the pod's output line by line
    }


# ---------------------------------------------------------------------------------------------------- pod


def pod_template(p: BuildPodPlan) -> dict[str, Any]:
    """The pod as a manifest dict, before the operator's XCom sidecar, Airflow labels and per-run identity."""
    source, install, main = _source_container(p), _install_container(p), _main_container(p)
    # Init containers run before the main one, so giving them the same resources costs no extra capacity and
    # keeps the pod's QoS class what the main container's resources say.
    for init in (source, install):
        init["resources"] = {
            kind: {k: v for k, v in values.items() if k not in GPU_RESOURCES}
            for kind, values in main["resources"].items()
        }
    volumes: list[dict[str, Any]] = [
        {"name": "workspace", "emptyDir": {"sizeLimit": WORKSPACE_SIZE}},
        {"name": "artifacts", "persistentVolumeClaim": {"claimName": p.pvc}},
    ]
    if _gpus(p):  # NCCL and PyTorch DataLoader workers use /dev/shm; a container's default is 64 MiB
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": SHM_SIZE}})
        main["volumeMounts"] = [*main["volumeMounts"], {"name": "dshm", "mountPath": "/dev/shm"}]
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "initContainers": [source, install],
        "containers": [main],
        "volumes": volumes,
    }
    if p.service_account:
        spec["serviceAccountName"] = p.service_account
    spec.update(p.placement.pod_fields)
    metadata = {"name": p.name, "namespace": p.namespace, "labels": dict(p.labels), "annotations": dict(p.annotations)}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": security.secure_pod_spec(spec)}


def _mounts(p: BuildPodPlan) -> list[dict]:
    return [{"name": "workspace", "mountPath": WORKSPACE}, {"name": "artifacts", "mountPath": p.mount}]


def _env_list(env: dict[str, str]) -> list[dict]:
    return [{"name": key, "value": value} for key, value in env.items()]


VENV = f"{WORKSPACE}/venv"
# Build pods' scratch space: the source, the venv and pip's cache (CUDA wheels alone are several GiB).
WORKSPACE_SIZE = "20Gi"
EPHEMERAL_REQUEST = "10Gi"
SHM_SIZE = "8Gi"
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")


def _gpus(p: BuildPodPlan) -> bool:
    return any(key in p.placement.limits for key in GPU_RESOURCES)


def _with_storage(resources: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Ephemeral storage for the workspace: without a request the scheduler may place a 20 GiB build on a node
    with 2 GiB free disk, and the kubelet evicts it half way."""
    requests = {**resources.get("requests", {}), "ephemeral-storage": EPHEMERAL_REQUEST}
    limits = {**resources.get("limits", {}), "ephemeral-storage": WORKSPACE_SIZE}
    return {"requests": requests, "limits": limits}


def install_script(p: BuildPodPlan) -> str:
    """Phase one (the ``install`` init container, the only one that needs the package index): venv, install.

    The pod runs as a non-root user (security.py), which cannot write the image's site-packages: dependencies go
    into a venv on the workspace that still sees the image's own packages (a CUDA image's torch, say). In git
    mode the clone's dependency list is copied into the checkout first; $(VAR) is expanded by the kubelet.
    """
    venv = ["python", "-m", "venv", "--system-site-packages", VENV]
    install = contract.install_command(f"{VENV}/bin/python", SOURCE_DIR)
    lines = [shlex.join(venv), shlex.join(install)]
    if p.source_mode == "git":
        lines.insert(0, shlex.join(["cp", f"$({ENV_DEPENDENCIES})", f"{SOURCE_DIR}/{contract.DEPENDENCIES_FILE}"]))
    return "set -eu\n" + "\n".join(lines) + "\n"


def main_script(p: BuildPodPlan) -> str:
    """Phase two, tests and training in the venv phase one filled; $(VAR) references are expanded by the kubelet
    from the container's env, not by sh."""
    python = f"{VENV}/bin/python"
    build = contract.build_command(python, SOURCE_DIR, p.main_dir, f"$({ENV_OUTPUT})", contract.KUBERNETES_XCOM_FILE)
    return f"set -eu\nexec {shlex.join(build)}\n"


def _install_container(p: BuildPodPlan) -> dict:
    return {**_main_container(p), "name": "install", "command": ["sh", "-c", install_script(p)]}


def _main_container(p: BuildPodPlan) -> dict:
    env = {**p.env, "PYTHONPATH": f"{p.mount}/_runtime/{runtime_digest()}", "HOME": security.HOME}
    container: dict[str, Any] = {
        "name": BASE_CONTAINER,
        "image": p.image,
        "command": ["sh", "-c", main_script(p)],
        "env": _env_list(env),
        "volumeMounts": _mounts(p),
        "workingDir": WORKSPACE,
    }
    container["resources"] = _with_storage(p.placement.resources)
    return container


def _source_container(p: BuildPodPlan) -> dict:
    if p.source_mode == "git":
        return _git_container(p)
    return {
        "name": "source",
        "image": p.image,
        "command": ["python", "-m", "tarfile", "-e", f"$({ENV_SOURCE_TARBALL})", SOURCE_DIR],
        "volumeMounts": _mounts(p),
    }


GIT_SCRIPT = """set -eu
git init -q /workspace/repo
cd /workspace/repo
git remote add origin "$GIT_REPO"
if [ -n "${GIT_TOKEN:-}" ]; then
  git config credential.helper '!f() { echo username=x-access-token; echo "password=${GIT_TOKEN}"; }; f'
fi
git fetch -q --depth 1 origin "$AUTOMATION_COMMIT" || git fetch -q origin "$GIT_BRANCH"
git -c advice.detachedHead=false checkout -q "$AUTOMATION_COMMIT"
head=$(git rev-parse HEAD)
[ "$head" = "$AUTOMATION_COMMIT" ] || { echo "checked out $head, not $AUTOMATION_COMMIT" >&2; exit 1; }
mkdir -p /workspace/src
cp -a "./${GIT_SUBDIR:-.}/." /workspace/src/
"""


def _git_container(p: BuildPodPlan) -> dict:
    env = _env_list({"GIT_REPO": p.git["repo"], "GIT_BRANCH": p.git["branch"], "GIT_SUBDIR": p.git["subdir"]})
    if p.git["token_secret"]:
        ref = {"secretKeyRef": {"name": p.git["token_secret"], "key": TOKEN_KEY}}
        env.append({"name": ENV_GIT_TOKEN, "valueFrom": ref})
    env.append({"name": "HOME", "value": security.HOME})  # git reads $HOME/.gitconfig; the UID has no home
    return {
        "name": "source",
        "image": p.git_image,
        "command": ["sh", "-c", GIT_SCRIPT],
        "env": env,
        "volumeMounts": [{"name": "workspace", "mountPath": WORKSPACE}],
    }


# ---------------------------------------------------------------------------------------------------- identity


@dataclass(frozen=True)
class Identity:
    commit: str
    build_id: str

    def env(self, automation: str, mount: str) -> dict[str, str]:
        return {
            ENV_COMMIT: self.commit,
            contract.ENV_BUILD_ID: self.build_id,
            ENV_OUTPUT: f"{mount}/{automation}/builds/{self.build_id}",
            ENV_SOURCE_TARBALL: f"{mount}/{automation}/sources/{self.commit}.tar.gz",
            ENV_DEPENDENCIES: f"{mount}/{automation}/sources/{self.commit}.dependencies.json",
        }


def identity(automation: str, clone: CloneResult, run_id: str) -> Identity:
    """The run's commit (a SHA: CloneResult checks it) and its build id (ids.build_id)."""
    return Identity(commit=clone.commit, build_id=make_build_id(automation, clone.commit, run_id))
