"""The Kubernetes build pod: rendered through the real KubernetesPodOperator and validated as real manifests."""

from __future__ import annotations

import json
from types import SimpleNamespace

import kubernetes_validate
import pytest
import yaml

from automations import runs
from automations.backends.kubernetes import build, build_pod, placement
from automations.runs import CloneResult
from automations.settings import get_settings
from automations.spec import Automation
from automations.spec.enums import GpuType
from automations.tasks import XCOM_INPUTS
from model_runtime import contract
from support.runs import clone_result

pytestmark = pytest.mark.unit

K8S_VERSIONS = ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"]
TOKEN = "ghp_Zx9Qm4Lr7Tn2Vb8Kc1Wd5Hy3Js6Pf0Ga4Ue"  # looks real; must never reach a manifest
COMMIT = "3f2a9c1d5e7b8a0f4c6d2e1b9a8f7e6d5c4b3a21"


def k8s():
    """The kubernetes backend's settings slice, read now (tests set variables per case)."""
    return get_settings().kubernetes


def automation(name: str = "churn_model", **build_fields) -> Automation:
    spec = Automation.model_validate(
        {
            "name": name,
            "model_id": "churn-model",
            "action": {"build_spec": {"git_uri": "https://github.com/acme/models.git#churn", **build_fields}},
        }
    )
    return spec


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    for name in (
        "AUTOMATIONS_K8S_SOURCE",
        "AUTOMATIONS_K8S_PLACEMENT_FILE",
        "AUTOMATIONS_K8S_ON_FINISH_ACTION",
        "AUTOMATIONS_K8S_SERVICE_ACCOUNT",
        "AUTOMATIONS_K8S_ARTIFACT_MOUNT",
        "AUTOMATIONS_BUILD_IMAGE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOMATIONS_ARTIFACT_ROOT", (tmp_path / "artifacts").as_uri())


def pod_of(docs: list[dict]) -> dict:
    pods = [d for d in docs if d["kind"] == "Pod"]
    assert len(pods) == 1
    return pods[0]


def container(pod: dict, name: str, init: bool = False) -> dict:
    key = "initContainers" if init else "containers"
    return next(c for c in pod["spec"][key] if c["name"] == name)


def env_of(c: dict) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def assert_valid(doc: dict) -> None:
    for version in K8S_VERSIONS:
        kubernetes_validate.validate(doc, version, strict=True)


CASES = {
    "cpu-default": {},
    "cpu-fraction": {"resources": {"cpu_fraction": 0.5, "memory": "512Mi"}},
    **{f"gpu-{t.value}": {"resources": {"gpu_type": t.value, "gpu_amount": 2}} for t in GpuType},
    **{f"instance-{i}": {"resources": {"instance": i}} for i in placement.known_instances(k8s())},
    "spot": {"purchase_option": "spot"},
    "ondemand": {"purchase_option": "ondemand"},
    "token": {"git_access_token_secret": "github_token"},
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("source", ["artifact", "git"])
def test_rendered_pods_are_valid_kubernetes(case, source, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", source)
    docs = build.render(automation(**CASES[case]), k8s())
    for doc in docs:
        assert_valid(doc)
    pod = pod_of(docs)
    assert container(pod, "source", init=True)
    assert {c["name"] for c in pod["spec"]["containers"]} == {"base", "airflow-xcom-sidecar"}


# What each GPU type must select on a cluster labelled by NVIDIA GPU Feature Discovery (the shipped default), written
# out here rather than asked of placement.py: a product label (nodeSelector) or several (required nodeAffinity In).
PRODUCT = "nvidia.com/gpu.product"
V100 = ["Tesla-V100-SXM2-16GB", "Tesla-V100-SXM2-32GB", "Tesla-V100-PCIE-16GB", "Tesla-V100-PCIE-32GB"]
A100 = ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-PCIE-40GB", "NVIDIA-A100-80GB-PCIe"]
A100_40GB = ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-PCIE-40GB"]
T4, L4 = {PRODUCT: "Tesla-T4"}, {PRODUCT: "NVIDIA-L4"}
GPU_NODES: dict[str, tuple[dict[str, str], list[str] | None]] = {
    "NVIDIA_K80": ({PRODUCT: "Tesla-K80"}, None),
    "NVIDIA_M60": ({PRODUCT: "Tesla-M60"}, None),
    "NVIDIA_V100": ({}, V100),
    "NVIDIA_A100": ({}, A100),
    "NVIDIA_T4": (T4, None),
    "NVIDIA_A10": ({PRODUCT: "NVIDIA-A10"}, None),
    "NVIDIA_A10G": ({PRODUCT: "NVIDIA-A10G"}, None),
    "NVIDIA_L4": (L4, None),
    "NVIDIA_H100": ({}, ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe", "NVIDIA-H100-NVL"]),
    "NVIDIA_H100_40GB": ({"nvidia.com/gpu.family": "hopper", "nvidia.com/gpu.memory": "40960"}, None),
    "NVIDIA_H100_80GB": ({}, ["NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-PCIe"]),
    "NVIDIA_H100_NVL": ({PRODUCT: "NVIDIA-H100-NVL"}, None),
    "NVIDIA_H100_SXM": ({PRODUCT: "NVIDIA-H100-80GB-HBM3"}, None),
    # Qwak's instance-style names select their GPU family.
    **{name: (T4, None) for name in ("NVIDIA_T4_1_4_15", "NVIDIA_T4_1_8_30", "NVIDIA_T4_1_16_60")},
    **{name: (T4, None) for name in ("NVIDIA_T4_4_16_104", "NVIDIA_T4_4_32_208")},
    # The instance-style A100 names say their memory: only that variant's products (40GB never serves 80GB).
    "NVIDIA_A100_80GB_8_96_1360": ({}, ["NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-80GB-PCIe"]),
    **{name: ({}, A100_40GB) for name in ("NVIDIA_A100_40GB_1_12_85", "NVIDIA_A100_40GB_2_24_170")},
    "NVIDIA_A100_40GB_4_48_340": ({}, A100_40GB),
    **{name: ({}, V100) for name in ("NVIDIA_V100_1_8_52", "NVIDIA_V100_2_16_104")},
    **{name: ({}, V100) for name in ("NVIDIA_V100_4_32_208", "NVIDIA_V100_4_64_240")},
    "NVIDIA_L4_4_48_192": (L4, None),
}


def test_every_gpu_type_has_an_expected_placement():
    assert set(GPU_NODES) == {t.value for t in GpuType}


@pytest.mark.parametrize("gpu_type", sorted(GPU_NODES))
def test_gpu_pod_requests_gpus_and_selects_the_type(gpu_type):
    pod = pod_of(build.render(automation(resources={"gpu_type": gpu_type, "gpu_amount": 4}), k8s()))
    assert container(pod, "base")["resources"]["limits"]["nvidia.com/gpu"] == "4"
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["spec"]["tolerations"]
    selector, products = GPU_NODES[gpu_type]
    assert pod["spec"].get("nodeSelector", {}) == selector
    required = (
        pod["spec"].get("affinity", {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    )
    expected = {"nodeSelectorTerms": [{"matchExpressions": [{"key": PRODUCT, "operator": "In", "values": products}]}]}
    assert required == (expected if products else None)


def test_main_container_runs_the_runtime_contract():
    pod = pod_of(build.render(automation(main_dir="src_main", dependency_file_path="main/req.txt"), k8s()))
    base = container(pod, "base")
    assert base["command"][:2] == ["sh", "-c"]
    script = base["command"][2]
    # Two phases, as on Docker: the install is an init container; the build container only tests and trains.
    install = ["python", "-m", "model_runtime", "install", "--source", build_pod.SOURCE_DIR]  # the clone's list
    install_container = container(pod, "install", init=True)
    assert f"{build_pod.VENV}/bin/{' '.join(install)}" in install_container["command"][2]
    assert "main/req.txt" not in install_container["command"][2]  # translated by clone, not named to the pod
    assert "cp " not in install_container["command"][2]  # artifact mode: the tarball holds the list
    assert f"venv --system-site-packages {build_pod.VENV}" in install_container["command"][2]
    assert [c["name"] for c in pod["spec"]["initContainers"]][-1] == "install"
    assert "model_runtime install" not in script and f"{build_pod.VENV}/bin/python -m model_runtime build" in script
    assert f"--output '$({build_pod.ENV_OUTPUT})' --xcom-file {contract.KUBERNETES_XCOM_FILE}" in script
    env = env_of(base)
    assert env["PYTHONPATH"] == f"/artifacts/_runtime/{build_pod.runtime_digest()}"
    assert env[build_pod.ENV_OUTPUT].startswith("/artifacts/churn_model/builds/churn_model-")
    assert {"name": "xcom", "mountPath": "/airflow/xcom"} in base["volumeMounts"]


def test_env_vars_parameters_and_identity_reach_the_pod():
    pod = pod_of(
        build.render(automation(env_vars=["FOO=bar", "MODEL_ID=spoofed"], parameters={"epochs": 3}), k8s())
    )
    env = env_of(container(pod, "base"))
    assert env["FOO"] == "bar"
    assert env[contract.ENV_MODEL_ID] == "churn-model"  # the contract's names win over user env
    assert json.loads(env[contract.ENV_PARAMETERS]) == {"epochs": "3"}
    assert env[contract.ENV_AUTOMATION] == "churn_model"
    assert env[build_pod.ENV_COMMIT] == runs.RENDER_COMMIT
    assert env[contract.ENV_BUILD_ID] == build.build_pod.make_build_id(
        "churn_model", runs.RENDER_COMMIT, build.RENDER_RUN_ID
    )
    assert env[build_pod.ENV_SOURCE_TARBALL] == f"/artifacts/churn_model/sources/{runs.RENDER_COMMIT}.tar.gz"
    assert env[build_pod.ENV_DEPENDENCIES] == f"/artifacts/churn_model/sources/{runs.RENDER_COMMIT}.dependencies.json"


def test_tags_become_label_safe_labels():
    tags = ["prod", "team:ml", "x" * 80, "--"]
    labels = pod_of(build.render(automation(tags=tags), k8s()))["metadata"]["labels"]
    assert labels["tag.automations/prod"] == "true" and labels["tag.automations/team-ml"] == "true"
    long_keys = [k for k in labels if k.startswith("tag.automations/xxx")]
    assert len(long_keys) == 1 and len(long_keys[0].split("/")[1]) == 63
    assert labels["automations/automation"] == "churn_model" and labels["dag_id"] == "churn_model"


def test_label_value_is_valid_and_unique_when_truncated():
    a, b = build_pod.label_value("a" * 70 + "1"), build_pod.label_value("a" * 70 + "2")
    assert a != b and len(a) == len(b) == 63
    assert build_pod.label_value("_x_") == "x"
    assert build_pod.dns_name("Github_Token") == "github-token"


def test_base_image_overrides_the_default_image(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_BUILD_IMAGE", "registry.local/py:3.11")
    assert container(pod_of(build.render(automation(), k8s())), "base")["image"] == "registry.local/py:3.11"
    custom = pod_of(build.render(automation(base_image="acme/ml:1.2"), k8s()))
    assert container(custom, "base")["image"] == "acme/ml:1.2"
    assert container(custom, "source", init=True)["image"] == "acme/ml:1.2"


def test_iam_role_gives_a_service_account_with_the_irsa_annotation():
    role = "arn:aws:iam::123456789012:role/trainer"
    docs = build.render(automation(assumed_iam_role=role), k8s())
    account = next(d for d in docs if d["kind"] == "ServiceAccount")
    assert_valid(account)
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    pod = pod_of(docs)
    assert pod["spec"]["serviceAccountName"] == account["metadata"]["name"] == "churn-model-build"
    assert pod["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == role


def test_configured_shared_service_account_is_used_but_never_given_an_automations_role(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SERVICE_ACCOUNT", "builder")
    pod = pod_of(build.render(automation(), k8s()))
    assert pod["spec"]["serviceAccountName"] == "builder"
    role = "arn:aws:iam::123456789012:role/trainer"
    docs = build.render(automation(assumed_iam_role=role), k8s())
    account = next(d for d in docs if d["kind"] == "ServiceAccount")
    assert account["metadata"]["name"] == pod_of(docs)["spec"]["serviceAccountName"] == "churn-model-build"


def test_operator_settings_timeout_cleanup_logs_and_xcom(monkeypatch):
    op = build.build_operator(automation(provision_instance_timeout=15), k8s(), XCOM_INPUTS)
    assert op.task_id == "build" and op.do_xcom_push and op.get_logs and not op.deferrable
    assert op.startup_timeout_seconds == 15 * 60
    assert op.on_finish_action.value == "delete_succeeded_pod"
    assert op.namespace == "models" and op.kubernetes_conn_id == "kubernetes_default"
    assert op.template_fields == ()
    monkeypatch.setenv("AUTOMATIONS_K8S_ON_FINISH_ACTION", "keep_pod")
    assert build.build_operator(automation(), k8s(), XCOM_INPUTS).on_finish_action.value == "keep_pod"
    monkeypatch.setenv("AUTOMATIONS_K8S_ON_FINISH_ACTION", "explode")
    with pytest.raises(ValueError, match="AUTOMATIONS_K8S_ON_FINISH_ACTION"):
        build.build_operator(automation(), k8s(), XCOM_INPUTS)


def test_jinja_in_user_text_is_not_rendered(monkeypatch):
    import jinja2
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    template = "{{ conn.github_token.password }}"
    secret = SimpleNamespace(github_token=SimpleNamespace(password="s3cret-from-the-connection"))
    context = {**build.render_context("churn_model", "build"), "conn": secret}

    def rendered_env() -> tuple[str, str]:
        op = build.build_operator(automation(env_vars=[f"X={template}"]), k8s(), runs.RENDER_INPUTS)
        op.render_template_fields(context, jinja_env=jinja2.Environment())  # what a task run does before execute
        pod = build.render_pod(op, "churn_model")
        return env_of(container(pod, "base"))["X"], json.dumps(pod)

    value, pod = rendered_env()
    assert value == template and "s3cret" not in pod
    # The same run with the provider's template fields would have put the connection's password into the pod.
    monkeypatch.setattr(type(build.build_operator(automation(), k8s(), runs.RENDER_INPUTS)), "template_fields",
                        KubernetesPodOperator.template_fields)
    assert rendered_env()[0] == "s3cret-from-the-connection"


# ------------------------------------------------------------------------------------------------ source and secrets


def test_artifact_source_unpacks_the_pinned_commit_and_needs_no_token():
    pod = pod_of(build.render(automation(git_access_token_secret="github_token"), k8s()))
    source = container(pod, "source", init=True)
    assert source["command"] == [
        "python",
        "-m",
        "tarfile",
        "-e",
        f"$({build_pod.ENV_SOURCE_TARBALL})",
        "/workspace/src",
    ]
    assert "GIT_TOKEN" not in json.dumps(pod)


def test_git_source_takes_the_token_from_a_secret_ref_only_in_the_init_container(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", "git")
    pod = pod_of(build.render(automation(git_access_token_secret="github_token"), k8s()))
    source = container(pod, "source", init=True)
    env = env_of(source)
    assert env["GIT_TOKEN"] == {"secretKeyRef": {"name": "github-token", "key": "token"}}
    assert env["GIT_REPO"] == "https://github.com/acme/models.git" and env["GIT_SUBDIR"] == "churn"
    assert env[build_pod.ENV_COMMIT] == runs.RENDER_COMMIT
    assert "credential.helper" in source["command"][2]  # git reads the token from env through the helper
    assert "GIT_TOKEN" not in env_of(container(pod, "base"))


def test_git_source_without_token_has_no_secret_ref(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", "git")
    pod = pod_of(build.render(automation(), k8s()))
    assert "secretKeyRef" not in json.dumps(pod)


def test_credentials_in_the_repo_url_are_dropped(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", "git")
    pod = pod_of(build.render(automation(git_uri=f"https://bot:{TOKEN}@github.com/acme/m.git#churn"), k8s()))
    assert env_of(container(pod, "source", init=True))["GIT_REPO"] == "https://github.com/acme/m.git"
    assert TOKEN not in json.dumps(pod)


def test_a_password_holding_an_at_sign_is_dropped_whole(monkeypatch):
    """The credentials end at the last '@' of the authority (urlsplit's reading, as the clone step redacts)."""
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", "git")
    pod = pod_of(build.render(automation(git_uri="https://bot:p@ss-tail@github.com/acme/m.git#churn"), k8s()))
    assert env_of(container(pod, "source", init=True))["GIT_REPO"] == "https://github.com/acme/m.git"
    assert "ss-tail" not in json.dumps(pod)


@pytest.mark.parametrize("source", ["artifact", "git"])
def test_no_secret_value_appears_anywhere_in_the_rendered_yaml(source, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", source)
    monkeypatch.setenv("AIRFLOW_VAR_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("AIRFLOW_CONN_GITHUB_TOKEN", json.dumps({"conn_type": "http", "password": TOKEN}))
    monkeypatch.setenv("AIRFLOW_CONN_REGISTRY", json.dumps({"conn_type": "http", "password": TOKEN}))
    definition = automation(git_access_token_secret="github_token", env_vars=["GIT_TOKEN_NAME=github_token"])
    text = yaml.safe_dump_all(build.render(definition, k8s()))
    assert "github-token" in text or source == "artifact"  # the Secret is named, its value never is
    assert TOKEN not in text and TOKEN[4:20] not in text


def test_unknown_source_mode_is_refused(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", "ftp")
    with pytest.raises(ValueError, match="AUTOMATIONS_K8S_SOURCE"):
        build.build_operator(automation(), k8s(), XCOM_INPUTS)


# ------------------------------------------------------------------------------------------------ run-time pieces


def test_identity_requires_a_commit_sha():
    ident = build_pod.identity("m", clone_result(COMMIT), "scheduled__2026")
    assert ident.commit == COMMIT and ident.build_id.startswith("m-3f2a9c1d5e-")
    for bad in (None, {}, {"commit": "main; rm -rf /"}, {"commit": 42}):
        with pytest.raises(ValueError, match="commit"):  # the clone result refuses it before identity() sees it
            build_pod.identity("m", CloneResult.from_xcom(bad), "r")


def test_build_xcom_follows_the_contract():
    ident = build_pod.identity("m", clone_result(COMMIT), "r1")
    result = {
        "metrics": {"acc": 0.9, "f1": 1},
        "artifact": "model.pkl",
        "tests": {"passed": 3, "failed": 0},
        "python": "3.11",
    }
    xcom = build.build_result(result, ident, "m", "file:///data/artifacts/").to_xcom()
    assert xcom["metrics"] == {"acc": 0.9, "f1": 1.0}
    assert xcom["build_id"] == ident.build_id and xcom["commit"] == COMMIT
    assert xcom["artifact_uri"] == f"file:///data/artifacts/m/builds/{ident.build_id}"
    assert xcom["tests"] == {"passed": 3, "failed": 0}
    with pytest.raises(RuntimeError, match="no metrics"):
        build.build_result(None, ident, "m", "file:///x")


def test_stage_runtime_copies_model_runtime_once(tmp_path):
    root = (tmp_path / "store").as_uri()
    target = build.stage_runtime(root)
    staged = tmp_path / "store" / "_runtime" / build_pod.runtime_digest() / "model_runtime"
    assert target.endswith(f"_runtime/{build_pod.runtime_digest()}/model_runtime")
    assert {p.name for p in staged.glob("*.py")} == {p.name for p in build_pod.runtime_files()}
    assert (staged / "contract.py").read_bytes() == (build_pod.runtime_files()[0].parent / "contract.py").read_bytes()
    mtime = (staged / "contract.py").stat().st_mtime_ns
    build.stage_runtime(root)
    assert (staged / "contract.py").stat().st_mtime_ns == mtime


class FakeCoreV1:
    """A fake of the kubernetes CoreV1Api boundary: records calls, answers like the API server."""

    def __init__(self, exists: bool, labels: dict | None = None):
        self.exists, self.calls = exists, []
        self.labels = {"app.kubernetes.io/managed-by": "automations"} if labels is None else labels

    def create_namespaced_service_account(self, namespace, body):
        from kubernetes.client.exceptions import ApiException

        self.calls.append(("create", namespace, body["metadata"]["name"]))
        if self.exists:
            raise ApiException(status=409, reason="AlreadyExists")

    def patch_namespaced_service_account(self, name, namespace, body):
        self.calls.append(("patch", namespace, name, body))

    def read_namespaced_service_account(self, name, namespace):
        from kubernetes.client import V1ObjectMeta, V1ServiceAccount

        self.calls.append(("read", namespace, name))
        return V1ServiceAccount(metadata=V1ObjectMeta(name=name, labels=self.labels))


def test_fake_service_account_is_created_then_patched():
    manifest = build.service_account_manifest(automation(assumed_iam_role="arn:aws:iam::1:role/r"), k8s())
    fresh = FakeCoreV1(exists=False)
    assert build.ensure_service_account(fresh, manifest) == "created"
    assert fresh.calls == [("create", "models", "churn-model-build")]
    existing = FakeCoreV1(exists=True)
    assert build.ensure_service_account(existing, manifest) == "patched"
    assert existing.calls[2][3]["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r"}


def test_fake_someone_elses_service_account_is_never_patched():
    manifest = build.service_account_manifest(automation(assumed_iam_role="arn:aws:iam::1:role/r"), k8s())
    theirs = FakeCoreV1(exists=True, labels={"team": "data"})
    with pytest.raises(RuntimeError, match="not managed by automations"):
        build.ensure_service_account(theirs, manifest)
    assert [c[0] for c in theirs.calls] == ["create", "read"]


def test_fake_api_errors_other_than_conflict_propagate():
    from kubernetes.client.exceptions import ApiException

    class Forbidden(FakeCoreV1):
        def create_namespaced_service_account(self, namespace, body):
            raise ApiException(status=403, reason="Forbidden")

    manifest = build.service_account_manifest(automation(assumed_iam_role="arn:aws:iam::1:role/r"), k8s())
    with pytest.raises(ApiException):
        build.ensure_service_account(Forbidden(exists=False), manifest)


def test_fake_execute_returns_the_build_xcom(monkeypatch, tmp_path):
    """The operator's own logic around the pod run; the pod run itself is faked at the KPO boundary."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    sidecar = {"metrics": {"accuracy": 0.93}, "artifact": "model.pkl", "tests": {"passed": 2, "failed": 0}}
    monkeypatch.setattr(KubernetesPodOperator, "execute", lambda self, context: dict(sidecar))
    op = build.build_operator(automation(), k8s(), XCOM_INPUTS)
    context = build.render_context("churn_model", "build")
    context["ti"].xcom_pull = lambda task_ids=None, key="return_value": clone_result(COMMIT).to_xcom()
    context["run_id"] = "manual__1"
    xcom = op.execute(context)
    assert xcom["metrics"] == {"accuracy": 0.93} and xcom["commit"] == COMMIT
    assert xcom["build_id"] == build_pod.make_build_id("churn_model", COMMIT, "manual__1")
    assert xcom["artifact_uri"] == f"{(tmp_path / 'artifacts').as_uri()}/churn_model/builds/{xcom['build_id']}"
    assert (tmp_path / "artifacts" / "_runtime" / build_pod.runtime_digest() / "model_runtime" / "contract.py").exists()


def test_kubernetes_is_the_default_backend_and_provides_build_and_image(monkeypatch):
    from automations.backends import backend_module, optional_backend_module
    from automations.settings import Backend

    monkeypatch.delenv("AUTOMATIONS_BACKEND", raising=False)
    assert get_settings().backend is Backend.kubernetes
    assert backend_module("kubernetes", "build") is build
    assert optional_backend_module("kubernetes", "image").image_operator is not None


@pytest.mark.parametrize(("reclaimed", "retried"), [(True, True), (False, False)])
def test_fake_a_failed_pod_run_is_retried_only_when_its_node_went_away(monkeypatch, reclaimed, retried):
    """The operator's execute around a FAKE failed pod run: the provider's last read of the pod decides."""
    from airflow.exceptions import AirflowException
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from airflow.sdk.exceptions import AirflowFailException
    from kubernetes.client import models as k8s_models

    reason = "TerminationByKubelet" if reclaimed else None
    conditions = [k8s_models.V1PodCondition(type="DisruptionTarget", status="True", reason=reason)] if reason else []
    ended = k8s_models.V1Pod(status=k8s_models.V1PodStatus(phase="Failed", conditions=conditions))

    def failed_run(self, context):
        self.remote_pod = ended
        raise AirflowException("Pod build-x returned a failure.")

    monkeypatch.setattr(KubernetesPodOperator, "execute", failed_run)
    op = build.build_operator(automation(purchase_option="spot"), k8s(), XCOM_INPUTS)
    context = build.render_context("churn_model", "build")
    context["ti"].xcom_pull = lambda task_ids=None, key="return_value": clone_result(COMMIT).to_xcom()
    context["ti"].try_number = 1
    context["run_id"] = "manual__1"
    with pytest.raises(AirflowException) as raised:
        op.execute(context)
    assert isinstance(raised.value, AirflowFailException) is not retried
    assert ("lost its node (TerminationByKubelet)" in str(raised.value)) is reclaimed
