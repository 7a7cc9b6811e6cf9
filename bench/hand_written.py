"""The baseline: one DAG file a person would write by hand, building the same DAGs with the stock operators.

Same dag_ids, timetables, params, docs, tags, callbacks and wiring as ours; on Kubernetes the stock
KubernetesPodOperator runs the build and the Kaniko push_image pods, with the same containers, resources, node
selection and tolerations expressed through its constructor arguments and ``kubernetes.client`` models.
"""

from __future__ import annotations

from .definitions import DEFAULTS, Variant, variant

# Placement a person would copy from the cluster's docs (the same labels our shipped tables use).
GPU_NODES = {
    "NVIDIA_T4": "Tesla-T4",
    "NVIDIA_A10G": "NVIDIA-A10G",
    "NVIDIA_L4": "NVIDIA-L4",
    "NVIDIA_A100": ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-PCIE-40GB", "NVIDIA-A100-80GB-PCIe"],
}

COMMON = """\
# Written by hand: the same DAGs as the generated definitions, built with the stock operators.
import json
from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.sdk import DAG, Param, chain
from automations.timetable import AutomationTimetable
{imports}

AUTOMATIONS = {rows!r}
BACKEND = {backend!r}


def step(**context):
    return None


def record(context):
    return None


def doc(a):
    gate = f"`f1_score` > `{{a['threshold']}}`"
    runs = f"every `{{a['interval']}}`" if a["interval"] else f"on cron `{{a['cron']}}` (UTC)"
    return "\\n".join([
        f"### {{a['name']}}: build and deploy `{{a['model_id']}}`",
        "Retrain and redeploy a bench model",
        "",
        f"- **Definition:** `{{a['file']}}`",
        f"- **Source:** `https://git.example.com/acme/models.git`, directory `{{a['subdir']}}`, branch `main`, "
        "main dir `main`",
        f"- **Runs:** {{runs}}",
        f"- **Build:** on `{{BACKEND}}`",
        f"- **Gate:** {{gate}}",
        f"- **Deploy:** variation `default` on `{{BACKEND}}`",
        "- **Notifications:** none",
    ])


def params():
    return {{
        "git_branch": Param("main", type="string", minLength=1, pattern=r"^[^-\\s][^\\s]*$", title="Git branch",
                            description="Build this branch instead of the definition's."),
        "force_deploy": Param(False, type="boolean", title="Force deploy",
                              description="Deploy even if the metric gate fails (recorded as an override)."),
    }}


def schedule(a):
    # A custom timetable registered by a plugin, as a hand-written deployment of this behaviour would use.
    if a["interval"]:
        return AutomationTimetable(interval="6h")
    return AutomationTimetable(cron=a["cron"])
"""

LOCAL_TASKS = """
def build_task(a):
    return PythonOperator(task_id="build", python_callable=step)


def image_task(a):
    return None
"""

KUBERNETES_TASKS = """
WORKSPACE = k8s.V1VolumeMount(name="workspace", mount_path="/workspace")
ARTIFACTS = k8s.V1VolumeMount(name="artifacts", mount_path="/artifacts")
BUILD_VOLUMES = [
    k8s.V1Volume(name="workspace", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="20Gi")),
    k8s.V1Volume(name="artifacts",
                 persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name="automations-artifacts")),
]
SHM_VOLUME = k8s.V1Volume(name="dshm", empty_dir=k8s.V1EmptyDirVolumeSource(medium="Memory", size_limit="8Gi"))
IMAGE_VOLUMES = [
    k8s.V1Volume(name="workspace", empty_dir=k8s.V1EmptyDirVolumeSource(size_limit="10Gi")),
    k8s.V1Volume(name="artifacts", persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
        claim_name="automations-artifacts", read_only=True)),
    k8s.V1Volume(name="docker-config", secret=k8s.V1SecretVolumeSource(
        secret_name="registry-credentials", items=[k8s.V1KeyToPath(key=".dockerconfigjson", path="config.json")])),
]
SPOT = k8s.V1Affinity(node_affinity=k8s.V1NodeAffinity(preferred_during_scheduling_ignored_during_execution=[
    k8s.V1PreferredSchedulingTerm(weight=100, preference=k8s.V1NodeSelectorTerm(match_expressions=[
        k8s.V1NodeSelectorRequirement(key=key, operator="In", values=[value])]))
    for key, value in (("karpenter.sh/capacity-type", "spot"), ("eks.amazonaws.com/capacityType", "SPOT"),
                       ("cloud.google.com/gke-spot", "true"), ("kubernetes.azure.com/scalesetpriority", "spot"))
]))
SPOT_TOLERATIONS = [
    k8s.V1Toleration(key="karpenter.sh/capacity-type", operator="Equal", value="spot", effect="NoSchedule"),
    k8s.V1Toleration(key="cloud.google.com/gke-spot", operator="Equal", value="true", effect="NoSchedule"),
    k8s.V1Toleration(key="kubernetes.azure.com/scalesetpriority", operator="Equal", value="spot", effect="NoSchedule"),
]
GPU_TOLERATION = k8s.V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")
GPU_NODES = {gpu_nodes!r}
BUILD_SCRIPT = (
    "set -eu\\npython -m model_runtime install --source /workspace/src\\n"
    "exec python -m model_runtime build --source /workspace/src --main-dir main --output '$(MODEL_BUILD_OUTPUT)' "
    "--xcom-file /airflow/xcom/return.json\\n"
)
CONTEXT_SCRIPT = (
    "set -eu\\nmkdir -p /workspace/context\\ncp -a \\"$MODEL_ARTIFACT_DIR\\" /workspace/context/artifact\\n"
    "cp -a \\"$MODEL_RUNTIME_DIR\\" /workspace/context/model_runtime\\n"
    "printf '%s' \\"$SERVING_DOCKERFILE\\" > /workspace/context/Dockerfile\\n"
)
DOCKERFILE = (
    "FROM python:3.11-slim\\nCOPY model_runtime /opt/model_runtime/model_runtime\\nCOPY artifact /artifact\\n"
    "ENV PYTHONPATH=/opt/model_runtime PYTHONUNBUFFERED=1\\n"
    'RUN ["python", "-m", "model_runtime", "install", "--source", "/artifact/src"]\\n'
    'EXPOSE 8000\\nENTRYPOINT ["python", "-m", "model_runtime", "serve"]\\n'
    'CMD ["--artifact", "/artifact", "--host", "0.0.0.0", "--port", "8000"]\\n'
)


def labels(a, component):
    return {{"app.kubernetes.io/managed-by": "automations", "app.kubernetes.io/component": component,
            "automations/automation": a["name"], "automations/model-id": a["model_id"],
            "tag.automations/bench": "true", f"tag.automations/{{a['team']}}": "true"}}


def placement(a):
    if not a["gpu"]:
        cpu, memory = a["cpu"]
        both = {{"cpu": cpu, "memory": memory}}
        resources = k8s.V1ResourceRequirements(requests={{**both, "ephemeral-storage": "10Gi"}},
                                               limits={{**both, "ephemeral-storage": "20Gi"}})
        return resources, {{}}, SPOT, SPOT_TOLERATIONS
    nodes = GPU_NODES[a["gpu"]]
    resources = k8s.V1ResourceRequirements(
        requests={{"cpu": "3", "memory": "12Gi", "ephemeral-storage": "10Gi"}},
        limits={{"cpu": "3", "memory": "12Gi", "nvidia.com/gpu": "1", "ephemeral-storage": "20Gi"}})
    if isinstance(nodes, str):
        return resources, {{"nvidia.com/gpu.product": nodes}}, SPOT, [GPU_TOLERATION, *SPOT_TOLERATIONS]
    required = k8s.V1NodeSelector(node_selector_terms=[k8s.V1NodeSelectorTerm(match_expressions=[
        k8s.V1NodeSelectorRequirement(key="nvidia.com/gpu.product", operator="In", values=nodes)])])
    affinity = k8s.V1Affinity(node_affinity=k8s.V1NodeAffinity(
        required_during_scheduling_ignored_during_execution=required,
        preferred_during_scheduling_ignored_during_execution=SPOT.node_affinity.preferred_during_scheduling_ignored_during_execution))
    return resources, {{}}, affinity, [GPU_TOLERATION, *SPOT_TOLERATIONS]


def build_task(a):
    resources, node_selector, affinity, tolerations = placement(a)
    env = {{"MODE": "full", "SEED": str(a["i"]), "AUTOMATION_NAME": a["name"], "MODEL_ID": a["model_id"],
           "MODEL_BUILD_PARAMETERS": json.dumps(a["parameters"], sort_keys=True), "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": "/artifacts/_runtime/current"}}
    source = k8s.V1Container(name="source", image="python:3.11-slim",
                             command=["python", "-m", "tarfile", "-e", "$(MODEL_SOURCE_TARBALL)", "/workspace/src"],
                             volume_mounts=[WORKSPACE, ARTIFACTS])
    return KubernetesPodOperator(
        task_id="build", name=f"build-{{a['dns']}}", namespace="models", image="python:3.11-slim",
        cmds=["sh", "-c", BUILD_SCRIPT], env_vars=env, container_resources=resources, node_selector=node_selector,
        affinity=affinity, tolerations=tolerations, labels=labels(a, "build"), init_containers=[source],
        volumes=BUILD_VOLUMES + ([SHM_VOLUME] if a["gpu"] else []), volume_mounts=[WORKSPACE, ARTIFACTS],
        service_account_name=None, active_deadline_seconds=7200,
        kubernetes_conn_id="kubernetes_default", do_xcom_push=True, get_logs=True,
        on_finish_action="delete_succeeded_pod", startup_timeout_seconds=1800, deferrable=False,
        reattach_on_restart=True,
    )


def image_task(a):
    if not a["push_image"]:
        return PythonOperator(task_id="push_image", python_callable=step)
    context = k8s.V1Container(name="context", image="python:3.11-slim", command=["sh", "-c", CONTEXT_SCRIPT],
                              env=[k8s.V1EnvVar(name="SERVING_DOCKERFILE", value=DOCKERFILE)],
                              volume_mounts=[WORKSPACE, k8s.V1VolumeMount(name="artifacts", mount_path="/artifacts",
                                                                          read_only=True)])
    return KubernetesPodOperator(
        task_id="push_image", name=f"image-{{a['dns']}}", namespace="models",
        image="ghcr.io/osscontainertools/kaniko:v1.28.5-debug",
        arguments=["--context=dir:///workspace/context", "--dockerfile=/workspace/context/Dockerfile",
                   "--destination=$(SERVING_IMAGE)", "--digest-file=/workspace/digest", "--cache=true",
                   f"--cache-repo=registry.example.com/ml/{{a['model_id']}}/cache", "--snapshot-mode=redo",
                   "--use-new-run"],
        container_resources=k8s.V1ResourceRequirements(
            requests={{"cpu": "1", "memory": "4Gi", "ephemeral-storage": "20Gi"}},
            limits={{"cpu": "1", "memory": "4Gi", "ephemeral-storage": "50Gi"}}),
        labels=labels(a, "serving-image"), init_containers=[context], volumes=IMAGE_VOLUMES,
        volume_mounts=[WORKSPACE, k8s.V1VolumeMount(name="docker-config", mount_path="/kaniko/.docker",
                                                    read_only=True)],
        kubernetes_conn_id="kubernetes_default", do_xcom_push=True, get_logs=True,
        on_finish_action="delete_succeeded_pod", deferrable=False, reattach_on_restart=True,
    )
"""

LOOP = """
for a in AUTOMATIONS:
    with DAG(dag_id=a["name"], description="Retrain and redeploy a bench model", schedule=schedule(a),
             start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False, max_active_runs=1,
             is_paused_upon_creation=False, tags=["automation", a["model_id"], "bench", a["team"]], doc_md=doc(a),
             params=params(), default_args={"owner": "automations", "retries": 0}) as dag:
        clone = PythonOperator(task_id="clone", python_callable=step, retries=2, retry_delay=timedelta(seconds=30))
        build = build_task(a)
        build.on_success_callback, build.on_failure_callback = [record], [record]
        image = image_task(a)
        gate = BranchPythonOperator(task_id="metric_gate", python_callable=step)
        deploy = PythonOperator(task_id="deploy", python_callable=step)
        skip = PythonOperator(task_id="skip_deploy", python_callable=step)
        chain(*[t for t in (clone, build, image, gate) if t is not None], [deploy, skip])
    globals()[dag.dag_id] = dag
"""

KUBERNETES_IMPORTS = (
    "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
    "from kubernetes.client import models as k8s"
)


def row(v: Variant, definitions: str) -> dict:
    return {
        "i": v.i,
        "name": v.name,
        "model_id": v.model_id,
        "team": v.team,
        "cron": v.cron,
        "interval": "6h" if v.interval else "",
        "subdir": v.subdir,
        "threshold": v.threshold,
        "gpu": v.gpu,
        "cpu": [str(v.cpu[0]), v.cpu[1]],
        "push_image": v.push_image,
        "dns": v.name.replace("_", "-"),
        "parameters": {"epochs": str(5 + v.i % 10), "lr": "0.01"},
        "file": f"{definitions}/{v.name}.yaml",
    }


def hand_written(n: int, backend: str, definitions: str) -> str:
    """The DAG file for ``n`` automations on ``backend`` (``kubernetes``/``local``); ``definitions`` as docs show it."""
    rows = [row(variant(i), definitions) for i in range(n)]
    kubernetes = backend == "kubernetes"
    head = COMMON.format(imports=KUBERNETES_IMPORTS if kubernetes else "", rows=rows, backend=backend)
    tasks = KUBERNETES_TASKS.format(gpu_nodes=GPU_NODES) if kubernetes else LOCAL_TASKS
    return head + tasks + LOOP


assert "description" in DEFAULTS  # the docs above repeat the folder defaults' description
