"""The ``build`` task on Kubernetes: a KubernetesPodOperator running the model_runtime build contract.

The pod itself is described (and its design documented) in ``build_pod.py``; this module turns that plan into the
operator, adds what only a run knows (commit, build id), stages model_runtime onto the artifact volume, and turns
the sidecar's XCom into the build XCom ``{"metrics", "build_id", "artifact_uri", "commit", ...}``.

Pod cleanup follows ``settings.on_finish_action`` (default ``delete_succeeded_pod``: failed pods stay for
inspection). Logs stream into the task log (``get_logs=True``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
from types import SimpleNamespace
from typing import Any

from model_runtime import contract

from ... import runtime_package
from ...runs import RENDER_INPUTS, RENDER_RUN_ID, BuildResult, RunInputs, TaskId
from ...settings import KubernetesSettings
from ...spec import Automation
from ...spec.enums import PurchaseOption
from . import build_pod, disruption, names, scheduling, security
from .rollout import SystemClock

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 900  # from scheduled to running: image pull (CUDA images are large) and the init container
SPOT_RETRIES = 2
# The XCom sidecar only sleeps and is read with `cat`; requests == limits keep a Guaranteed pod Guaranteed.
SIDECAR_RESOURCES = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "10m", "memory": "32Mi"}}


@functools.lru_cache(maxsize=1)
def _operator_class():
    """Defined lazily: importing the provider costs ~2.5 s, which the DAG-parse path of other backends must not pay."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    class BuildPodOperator(KubernetesPodOperator):
        """KPO whose pod template is fixed at parse time; no field is Jinja-rendered (user text never meets Jinja)."""

        template_fields = ()

        def __init__(self, *, automation_name: str, artifact_root: str, artifact_mount: str, inputs: RunInputs,
                     service_account_manifest: dict | None = None, token_secret: str = "", **kwargs: Any):
            super().__init__(**kwargs)
            self.inputs = inputs
            self.automation_name = automation_name
            self.token_secret = token_secret
            self.artifact_root = artifact_root
            self.artifact_mount = artifact_mount
            self.service_account_manifest = service_account_manifest

        def run_identity(self, context) -> build_pod.Identity:
            return build_pod.identity(self.automation_name, self.inputs.clone(context), context["run_id"])

        def build_pod_request_obj(self, context=None, *, dry_run: bool = False):
            pod = super().build_pod_request_obj(context, dry_run=dry_run)
            size_sidecar(pod)
            if context:
                add_identity(pod, self.run_identity(context), self.automation_name, self.artifact_mount)
            return pod

        def await_pod_start(self, pod) -> None:
            # Fail within a poll or two when no node can ever take the pod, with the scheduler's reason.
            read_pod, read_events = pod_readers(self.pod_manager, self.hook.core_v1_client, pod)
            scheduling.wait_until_scheduled(read_pod, read_events, self.schedule_timeout_seconds, SystemClock())
            super().await_pod_start(pod)

        def execute(self, context):
            announce_attempt(context, self.retries)
            ident = self.run_identity(context)
            if self.token_secret:
                require_secret(self.hook.core_v1_client, self.namespace, self.token_secret)
            stage_runtime(self.artifact_root)
            if self.service_account_manifest:
                ensure_service_account(self.hook.core_v1_client, self.service_account_manifest)
            run_pod = super().execute  # bound here: super() without arguments does not work inside a lambda
            result = judged(lambda: run_pod(context), context, self)  # what the XCom sidecar read
            return build_result(result, ident, self.automation_name, self.artifact_root).to_xcom()

    return BuildPodOperator


def _pass_through() -> tuple[type[BaseException], ...]:
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    return (AirflowFailException, AirflowSkipException)


def judged(run, context, operator):
    """``run()``, with a failure turned into a retry or a final failure by whether the pod lost its node."""
    try:
        return run()
    except _pass_through():
        raise
    except Exception as exc:
        # pod_manager is built on first use (a kube client): only read through it when the last read is not final
        pod = final_pod(lambda p: operator.pod_manager.read_pod(p), operator.pod, operator.remote_pod, exc)
        raise judge_failure(context, operator.retries, exc, pod) from exc


def final_pod(read_pod, pod, remote_pod, exc: Exception) -> dict | None:
    """The pod as it ended (the provider's last read), re-read while it still looked alive; None once it is gone."""
    from kubernetes.client import ApiClient
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException) and exc.status == 404:
        return None
    as_dict = ApiClient().sanitize_for_serialization
    last = as_dict(remote_pod) if remote_pod is not None else None
    if last and (last.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
        return last
    if pod is None:  # never created: nothing was disrupted
        return {"status": {}}
    try:
        return as_dict(read_pod(pod))
    except ApiException as read_error:
        return None if read_error.status == 404 else last or {"status": {}}


def judge_failure(context, retries: int, exc: Exception, pod: dict | None) -> Exception:
    """What a failed attempt raises: AirflowException (retried) only when the node went away and tries are left,
    AirflowFailException (no retry) when the build itself failed; the message says which (disruption.py)."""
    from airflow.exceptions import AirflowException
    from airflow.sdk.exceptions import AirflowFailException

    attempt = int(getattr(context.get("ti"), "try_number", 1) or 1)
    judged = disruption.verdict(pod, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, attempt,
                                retries + 1)
    if judged.retry:
        log.warning("%s", judged.message)
        return AirflowException(judged.message)
    log.error("%s", judged.message)
    return AirflowFailException(judged.message)


def pod_readers(pod_manager, core_v1, pod):
    """The pod and its events as plain dicts (what scheduling.py reads)."""
    from kubernetes.client import ApiClient

    api, meta = ApiClient(), pod.metadata

    def read_pod() -> dict:
        return api.sanitize_for_serialization(pod_manager.read_pod(pod))

    def read_events() -> list[dict]:
        found = core_v1.list_namespaced_event(meta.namespace, field_selector=f"involvedObject.name={meta.name}")
        return [api.sanitize_for_serialization(e) for e in found.items]

    return read_pod, read_events


def require_secret(core_v1, namespace: str, name: str) -> None:
    """The git token Secret must exist before the pod starts: a missing one would otherwise leave the pod in
    CreateContainerConfigError until the startup timeout."""
    from kubernetes.client.exceptions import ApiException

    try:
        secret = core_v1.read_namespaced_secret(name, namespace)
    except ApiException as exc:
        if exc.status == 404:
            raise RuntimeError(
                f"the git token Secret {namespace}/{name} does not exist: create it with key "
                f"'{build_pod.TOKEN_KEY}' (kubectl -n {namespace} create secret generic {name} "
                f"--from-literal={build_pod.TOKEN_KEY}=...)"
            ) from None
        raise
    if build_pod.TOKEN_KEY not in (secret.data or {}):
        raise RuntimeError(f"the git token Secret {namespace}/{name} has no key '{build_pod.TOKEN_KEY}'")


def announce_attempt(context, retries: int) -> None:
    """A retried build says so first: a spot node reclaimed mid-build is retried, and the log shows it."""
    attempt = int(getattr(context.get("ti"), "try_number", 1) or 1)
    if attempt > 1:
        log.warning("build attempt %d of %d: the previous attempt lost its node (spot reclaim or scale-down; "
                    "its log says which); retrying",
                    attempt, retries + 1)


def size_sidecar(pod) -> None:
    """The provider takes the XCom sidecar's resources from the connection only; ours are fixed and small."""
    from kubernetes.client import models as k8s

    for container in pod.spec.containers:
        if container.name == "airflow-xcom-sidecar" and not container.resources:
            container.resources = k8s.V1ResourceRequirements(**SIDECAR_RESOURCES)


def add_identity(pod, ident: build_pod.Identity, automation: str, mount: str) -> None:
    """Put the run's commit, build id and paths into every container's env (a fresh V1Pod, built per run)."""
    from kubernetes.client import models as k8s

    env = [k8s.V1EnvVar(name=k, value=v) for k, v in ident.env(automation, mount).items()]
    for container in [*(pod.spec.init_containers or []), *pod.spec.containers]:
        if container.name != "airflow-xcom-sidecar":
            container.env = [*(container.env or []), *env]
    pod.metadata.labels["automations/build-id"] = names.label_value(ident.build_id)
    pod.metadata.labels["automations/commit"] = ident.commit[:12]


def build_operator(automation: Automation, settings: KubernetesSettings, inputs: RunInputs):
    """The ``build`` task (called inside the DAG context)."""
    plan = build_pod.plan(automation, settings)
    spot = automation.action.build_spec.purchase_option is PurchaseOption.spot
    return _operator_class()(
        task_id=TaskId.build.value,
        automation_name=automation.name,
        token_secret=plan.git["token_secret"] if plan.source_mode == "git" else "",
        inputs=inputs,
        artifact_root=settings.artifact_root,
        service_account_manifest=service_account_manifest(automation, settings),
        artifact_mount=plan.mount,
        kubernetes_conn_id=settings.conn_id,
        namespace=plan.namespace,
        name=plan.name,
        image=plan.image,
        pod_template_dict=build_pod.pod_template(plan),
        base_container_name=build_pod.BASE_CONTAINER,
        do_xcom_push=True,
        get_logs=True,
        on_finish_action=settings.on_finish_action,
        # provision_instance_timeout is the budget for getting a node (scheduling); pulling and init get their own.
        schedule_timeout_seconds=plan.startup_timeout_s,
        startup_timeout_seconds=STARTUP_TIMEOUT_S,
        # Spot capacity can be reclaimed mid-build: retry, as the KubernetesPodOperator allows (announce_attempt).
        **({"retries": SPOT_RETRIES} if spot else {}),
        # A hung build must not hold the DAG forever: the kubelet kills the pod after this many seconds.
        active_deadline_seconds=settings.build_timeout_s,
        xcom_sidecar_container_security_context=security.container_context(),
        deferrable=False,  # execute() post-processes the result; a deferred run would return from the trigger
        reattach_on_restart=True,
    )


def build_result(result: Any, ident: build_pod.Identity, automation: str, artifact_root: str) -> BuildResult:
    """The build's result from the runtime's BuildResult (what the sidecar read from the pod)."""
    if not isinstance(result, dict) or not isinstance(result.get("metrics"), dict):
        raise RuntimeError(f"the build pod returned no metrics (XCom sidecar gave {type(result).__name__})")
    artifact_uri = f"{artifact_root.rstrip('/')}/{automation}/builds/{ident.build_id}"
    metrics = {str(k): float(v) for k, v in result["metrics"].items()}
    return BuildResult.from_runtime(
        contract.BuildResult.from_dict({**result, "metrics": metrics}),
        build_id=ident.build_id,
        artifact_uri=artifact_uri,
        commit=ident.commit,
        python=result.get("python") or None,
        artifact=result.get("artifact"),
    )


def stage_runtime(artifact_root: str) -> str:
    """Copy model_runtime to ``<root>/_runtime/<digest>/model_runtime/`` unless an identical copy is there."""
    from airflow.sdk import ObjectStoragePath

    folder = ObjectStoragePath(artifact_root) / "_runtime" / runtime_package.digest()
    target = runtime_package.copy_to(folder, keep_existing=True)
    log.info("model_runtime staged at %s", target)
    return str(target)


# ---------------------------------------------------------------------------------------------------- render


def render_context(automation: str, task_id: str) -> dict:
    """The minimum of a task context that ``build_pod_request_obj`` reads (results come from RENDER_INPUTS)."""
    ti = SimpleNamespace(dag_id=automation, task_id=task_id, map_index=-1, try_number=1)
    return {"ti": ti, "run_id": RENDER_RUN_ID, "dag": SimpleNamespace(dag_id=automation)}


def render_pod(operator, dag_id: str) -> dict:
    """The pod exactly as the operator would create it (dry_run only skips the in-cluster probe label)."""
    from kubernetes.client import ApiClient

    with contextlib.redirect_stdout(io.StringIO()):  # the operator logs to stdout; `render` prints YAML there
        pod = operator.build_pod_request_obj(render_context(dag_id, operator.task_id), dry_run=True)
    return ApiClient().sanitize_for_serialization(pod)


def render(automation: Automation, settings: KubernetesSettings) -> list[dict]:
    """The build pod (and the ServiceAccount it runs as, when the build assumes an IAM role)."""
    docs = [render_pod(build_operator(automation, settings, RENDER_INPUTS), automation.name)]
    account = service_account_manifest(automation, settings)
    return ([account] if account else []) + docs


def service_account_manifest(automation: Automation, settings: KubernetesSettings) -> dict | None:
    """IRSA: the role ARN belongs on the ServiceAccount (EKS's webhook reads it there, not on the pod)."""
    role = automation.action.build_spec.assumed_iam_role
    name = build_pod.service_account(automation, settings)
    if not role or not name:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {
            "name": name,
            "namespace": settings.namespace,
            "labels": {
                "app.kubernetes.io/managed-by": names.MANAGED_BY,
                "automations/automation": names.label_value(automation.name),
            },
            "annotations": names.irsa_annotations(role),
        },
    }


def ensure_service_account(core_v1, manifest: dict) -> str:
    """Create the ServiceAccount, or bring an existing one's labels and IRSA annotation up to date."""
    from kubernetes.client.exceptions import ApiException

    meta = manifest["metadata"]
    try:
        core_v1.create_namespaced_service_account(meta["namespace"], manifest)
        log.info("created ServiceAccount %s/%s", meta["namespace"], meta["name"])
        return "created"
    except ApiException as exc:
        if exc.status != 409:  # 409 AlreadyExists: fall through to the patch
            raise
    live = core_v1.read_namespaced_service_account(meta["name"], meta["namespace"])
    owner = ((live.metadata.labels if live.metadata else None) or {}).get("app.kubernetes.io/managed-by")
    if owner != names.MANAGED_BY:  # someone else's account: changing its IAM role would change theirs
        raise RuntimeError(
            f"ServiceAccount {meta['namespace']}/{meta['name']} exists and is not managed by automations "
            f"(label app.kubernetes.io/managed-by={owner!r}); refusing to set its IAM role. Rename the automation "
            "or delete that account."
        )
    patch = {"metadata": {"labels": meta["labels"], "annotations": meta["annotations"]}}
    core_v1.patch_namespaced_service_account(meta["name"], meta["namespace"], patch)
    log.info("updated ServiceAccount %s/%s", meta["namespace"], meta["name"])
    return "patched"
