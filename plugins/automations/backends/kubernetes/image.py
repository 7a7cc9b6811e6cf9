"""The ``push_image`` task on Kubernetes: Kaniko builds the serving image in a pod and pushes it to the registry.

The image is ``FROM`` the build image (``base_image`` or the default), installs the model's dependencies from the
artifact's ``src/`` copy, holds the build output at ``/artifact`` and model_runtime on ``PYTHONPATH``, and starts
``python -m model_runtime serve``. Its tag is the build id and the task returns its digest (registry.py says why).

Pod layout: an init container (the build image, which has a shell) assembles the Kaniko context on an emptyDir
from the artifact volume (the build output and the staged model_runtime, see build_pod.py) and writes the
Dockerfile; the Kaniko container builds and pushes with the registry's docker config from the Secret
``settings.registry_secret`` (type ``kubernetes.io/dockerconfigjson``) mounted at ``/kaniko/.docker``.

``push_image: false`` is decided by the compiler, the same way for every backend (``tasks.image_not_pushed``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from dataclasses import dataclass
from typing import Any

from ... import serving_image
from ...runs import RENDER_INPUTS, BuildResult, ImageResult, RunInputs, TaskId
from ...settings import KubernetesSettings
from ...spec import Automation
from . import build_pod, placement, security
from . import registry as registries
from .build import render_context

log = logging.getLogger(__name__)

CONTEXT_DIR = "/workspace/context"
ENV_IMAGE = "SERVING_IMAGE"
ENV_ARTIFACT_DIR = "MODEL_ARTIFACT_DIR"
ENV_RUNTIME_DIR = "MODEL_RUNTIME_DIR"
ENV_DOCKERFILE = "SERVING_DOCKERFILE"
DIGEST_FILE = "/workspace/digest"
# Kaniko unpacks the base image into its container filesystem: CUDA bases take 10-20 GiB unpacked.
BUILDER_EPHEMERAL = {"requests": "20Gi", "limits": "50Gi"}
# The debug image has a busybox shell: it turns Kaniko's digest file into the XCom the sidecar reads ("$$" is the
# kubelet's escape for a literal "$").
KANIKO_SCRIPT = (
    '/kaniko/executor "$@" && mkdir -p /airflow/xcom && '
    f'printf \'{{"digest": "%s"}}\' "$$(cat {DIGEST_FILE})" > /airflow/xcom/return.json'
)


@dataclass(frozen=True)
class ImagePodPlan:
    name: str
    namespace: str
    base_image: str
    kaniko_image: str
    registry: str
    registry_secret: str
    cache_repo: str
    service_account: str
    model_id: str
    mount: str
    pvc: str
    labels: dict[str, str]


def plan(automation: Automation, settings: KubernetesSettings) -> ImagePodPlan:
    build = automation.action.build_spec
    labels = {**build_pod.pod_labels(automation), "app.kubernetes.io/component": "serving-image"}
    return ImagePodPlan(
        name=build_pod.dns_name(f"image-{automation.name}", limit=50),
        namespace=settings.namespace,
        base_image=build.base_image or settings.build_image,
        kaniko_image=settings.kaniko_image,
        registry=registries.registry(settings),
        # "none": workload identity pushes (IRSA, GKE WI); a blank variable means the default, like every other.
        registry_secret=""
        if settings.registry_secret.lower() == "none"
        else settings.registry_secret,
        cache_repo=settings.cache_repo
        or f"{registries.repository(registries.registry(settings), automation.model_id)}/cache",
        service_account=settings.image_service_account,
        model_id=automation.model_id,
        mount=build_pod.artifact_mount(settings),
        pvc=settings.artifact_pvc,
        labels=labels,
    )


def dockerfile(p: ImagePodPlan) -> str:
    """The serving image every backend builds (serving_image.py). The serving pod runs as security.UID; an image
    without USER would otherwise start as root."""
    return serving_image.dockerfile(p.base_image, user=security.UID)


CONTEXT_SCRIPT = f"""set -eu
mkdir -p {CONTEXT_DIR}
cp -a "$MODEL_ARTIFACT_DIR" {CONTEXT_DIR}/artifact
cp -a "$MODEL_RUNTIME_DIR" {CONTEXT_DIR}/model_runtime
printf '%s' "$SERVING_DOCKERFILE" > {CONTEXT_DIR}/Dockerfile
"""


def pod_template(p: ImagePodPlan) -> dict[str, Any]:
    workspace = {"name": "workspace", "mountPath": "/workspace"}
    context = {
        "name": "context",
        "image": p.base_image,
        "command": ["sh", "-c", CONTEXT_SCRIPT],
        "env": [{"name": ENV_DOCKERFILE, "value": dockerfile(p)}],
        "volumeMounts": [workspace, {"name": "artifacts", "mountPath": p.mount, "readOnly": True}],
    }
    kaniko = {
        "name": build_pod.BASE_CONTAINER,
        "image": p.kaniko_image,
        "command": ["/busybox/sh", "-c", KANIKO_SCRIPT, "kaniko"],
        "args": [
            f"--context=dir://{CONTEXT_DIR}",
            f"--dockerfile={CONTEXT_DIR}/Dockerfile",
            f"--destination=$({ENV_IMAGE})",
            f"--digest-file={DIGEST_FILE}",
            # Layers (the dependency install above all) are cached in the registry and reused by the next build.
            "--cache=true",
            f"--cache-repo={p.cache_repo}",
            "--snapshot-mode=redo",
            "--use-new-run",
        ],
        "resources": _builder_resources(),
        "volumeMounts": [workspace, *_docker_config_mount(p)],
    }
    # The init container is restricted like every other; only Kaniko itself runs as root (security.py says why).
    non_root = {"runAsUser": security.UID, "runAsGroup": security.UID}
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, "fsGroup": security.UID},
        "initContainers": [{**context, "securityContext": {**security.container_context(), **non_root}}],
        "containers": [{**kaniko, "securityContext": security.builder_context()}],
        "volumes": [
            {"name": "workspace", "emptyDir": {"sizeLimit": "10Gi"}},
            {"name": "artifacts", "persistentVolumeClaim": {"claimName": p.pvc, "readOnly": True}},
            *_docker_config_volume(p),
        ],
    }
    if p.service_account:  # IRSA (ECR) or GKE Workload Identity: the account carries the push permission
        spec["serviceAccountName"] = p.service_account
    metadata = {"name": p.name, "namespace": p.namespace, "labels": dict(p.labels)}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def _builder_resources() -> dict[str, dict[str, str]]:
    resources = placement.for_cpu(1, "4Gi").resources
    return {
        "requests": {**resources["requests"], "ephemeral-storage": BUILDER_EPHEMERAL["requests"]},
        "limits": {**resources.get("limits", {}), "ephemeral-storage": BUILDER_EPHEMERAL["limits"]},
    }


def _docker_config_mount(p: ImagePodPlan) -> list[dict[str, Any]]:
    return [{"name": "docker-config", "mountPath": "/kaniko/.docker", "readOnly": True}] if p.registry_secret else []


def _docker_config_volume(p: ImagePodPlan) -> list[dict[str, Any]]:
    """A static dockerconfigjson Secret; none with workload identity (Kaniko's ECR/GCR/ACR helpers use it)."""
    if not p.registry_secret:
        return []
    items = [{"key": ".dockerconfigjson", "path": "config.json"}]
    return [{"name": "docker-config", "secret": {"secretName": p.registry_secret, "items": items}}]


@dataclass(frozen=True)
class ImageIdentity:
    image: str
    build_id: str
    commit: str

    def env(self, automation: str, mount: str) -> dict[str, str]:
        return {
            ENV_IMAGE: self.image,
            ENV_ARTIFACT_DIR: f"{mount}/{automation}/builds/{self.build_id}",
            ENV_RUNTIME_DIR: f"{mount}/_runtime/{build_pod.runtime_digest()}/model_runtime",
        }


def image_identity(p: ImagePodPlan, build: BuildResult) -> ImageIdentity:
    image = registries.tagged(p.registry, p.model_id, build.build_id)
    return ImageIdentity(image, build.build_id, build.commit)


@functools.lru_cache(maxsize=1)
def _operator_class():
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from kubernetes.client import models as k8s

    class KanikoPodOperator(KubernetesPodOperator):
        template_fields = ()  # nothing user-written is Jinja-rendered

        def __init__(self, *, image_plan: ImagePodPlan, automation_name: str, inputs: RunInputs, **kwargs: Any):
            super().__init__(**kwargs)
            self.image_plan = image_plan
            self.automation_name = automation_name
            self.inputs = inputs

        def run_identity(self, context) -> ImageIdentity:
            return image_identity(self.image_plan, self.inputs.build(context))

        def build_pod_request_obj(self, context=None, *, dry_run: bool = False):
            pod = super().build_pod_request_obj(context, dry_run=dry_run)
            if context:
                ident = self.run_identity(context)
                values = ident.env(self.automation_name, self.image_plan.mount)
                env = [k8s.V1EnvVar(name=k, value=v) for k, v in values.items()]
                for container in [*(pod.spec.init_containers or []), *pod.spec.containers]:
                    container.env = [*(container.env or []), *env]
                pod.metadata.labels["automations/commit"] = ident.commit[:12]
            return pod

        def execute(self, context):
            ident = self.run_identity(context)
            result = super().execute(context)  # Kaniko exits non-zero when the build or the push fails
            return pushed(ident, result).to_xcom()

    return KanikoPodOperator


def pushed(ident: ImageIdentity, result: Any) -> ImageResult:
    """The push_image result: the image by digest (what deploy runs) and the tag it was pushed under."""
    digest = result.get("digest") if isinstance(result, dict) else None
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        raise RuntimeError(f"Kaniko pushed {ident.image} but reported no digest (XCom sidecar gave {result!r})")
    ref = registries.by_digest(ident.image, digest)
    log.info("pushed serving image %s as %s", ident.image, ref)
    return ImageResult(image=ref, tag=ident.image, digest=digest, pushed=True, build_id=ident.build_id)


def image_operator(automation: Automation, settings: KubernetesSettings, inputs: RunInputs):
    """The ``push_image`` task: a Kaniko pod."""
    p = plan(automation, settings)
    return _operator_class()(
        task_id=TaskId.push_image.value,
        image_plan=p,
        automation_name=automation.name,
        inputs=inputs,
        kubernetes_conn_id=settings.conn_id,
        namespace=p.namespace,
        name=p.name,
        image=p.kaniko_image,
        pod_template_dict=pod_template(p),
        base_container_name=build_pod.BASE_CONTAINER,
        do_xcom_push=True,  # the digest, see KANIKO_SCRIPT
        xcom_sidecar_container_security_context=security.container_context(),
        get_logs=True,
        on_finish_action=settings.on_finish_action,
        deferrable=False,
        reattach_on_restart=True,
    )


def render_image(automation: Automation, settings: KubernetesSettings) -> list[dict]:
    """The Kaniko pod as the operator would create it."""
    from kubernetes.client import ApiClient

    operator = image_operator(automation, settings, RENDER_INPUTS)
    context = render_context(automation.name, TaskId.push_image.value)
    with contextlib.redirect_stdout(io.StringIO()):
        pod = operator.build_pod_request_obj(context, dry_run=True)
    return [ApiClient().sanitize_for_serialization(pod)]


render = render_image  # the backend interface's name for "the objects this role creates"
