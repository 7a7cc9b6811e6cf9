"""Rendered deploy objects: valid Kubernetes (strict schemas), the right names, labels, env, probes and placement."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import latest_version

from automations.backends.kubernetes import deploy, manifests, names
from automations.environments import Environment
from automations.runs import ImageResult
from automations.settings import get_settings
from automations.spec import Automation
from model_runtime import contract
from support.runs import build_result

pytestmark = pytest.mark.unit

BASE = {
    "name": "churn_nightly",
    "model_id": "Churn_Model",
    "action": {
        "build_spec": {"git_uri": "https://example.com/models.git#churn"},
        "deployment_spec": {
            "number_of_pods": 3,
            "cpu_fraction": 0.5,
            "memory": "1GiB",
            "number_of_http_server_workers": 4,
            "http_request_timeout_ms": 2500,
            "max_batch_size": 16,
            "daemon_mode": True,
            "env_vars": ["MODE=full", "MODEL_SERVER_WORKERS=99"],
            "deployment_timeout": 240,
        },
    },
}
ENV = Environment(name="staging", conn_id="k8s_staging", namespace="models-staging")
# Kubernetes versions to validate against: the brief's floor and the newest schema the package ships.
VERSIONS = sorted({"1.30", ".".join(latest_version().split(".")[:2])})


def k8s():
    """The kubernetes backend's settings slice, read now (tests set variables per case)."""
    return get_settings().kubernetes


def automation(**deployment_spec) -> Automation:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["action"]["deployment_spec"].update(deployment_spec)
    return Automation.model_validate(data)


def objects(auto: Automation | None = None, commit: str = "0123456789abcdef0123", **settings) -> list[dict]:
    s = k8s()
    if settings:
        s = s.replace(**settings)
    plan = deploy.plan_for(auto or automation(), s, ENV, "reg.example/churn_model:0123456789ab", commit, "b-1")
    return manifests.render_plan(plan)


def by_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def container(objs: list[dict]) -> dict:
    return by_kind(objs, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "case",
    [
        {},
        {"custom_iam_role_arn": "arn:aws:iam::123456789012:role/churn"},
        {"gpu_resources": {"gpu_type": "NVIDIA_T4", "gpu_amount": 1}},
        {"auto_scale_config": {"min_replica_count": 1, "max_replica_count": 5}},
        {"variation_name": "challenger", "number_of_pods": 0},
    ],
    ids=["plain", "irsa", "gpu", "autoscaled", "variation"],
)
def test_builtin_objects_pass_strict_kubernetes_schemas(case, version):
    objs = objects(automation(**case), keda_enabled=False)
    builtin = [o for o in objs if not o["apiVersion"].startswith("keda.sh")]
    assert {o["kind"] for o in builtin} >= {"Service", "Deployment"}
    for obj in builtin:
        kubernetes_validate.validate(obj, version, strict=True)


def test_every_kind_the_brief_names_was_validated():
    kinds = {o["kind"] for o in objects(automation(custom_iam_role_arn="arn:x", auto_scale_config={
        "min_replica_count": 1, "max_replica_count": 2}), keda_enabled=False)}
    assert kinds == {"ServiceAccount", "Service", "PodDisruptionBudget", "Deployment", "HorizontalPodAutoscaler"}


def test_strict_validation_really_rejects_a_typo():
    bad = by_kind(objects(), "Deployment")[0]
    bad["spec"]["replica"] = 3  # the check must be able to fail
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, "1.30", strict=True)


def test_names_are_dns_labels_per_model_and_variation():
    objs = objects(automation(variation_name="Challenger_B"))
    names = {(o["kind"], o["metadata"]["name"]) for o in objs}
    assert names == {("Service", "churn-model"), ("Service", "churn-model-challenger-b"),
                     ("Deployment", "churn-model-challenger-b"), ("PodDisruptionBudget", "churn-model-challenger-b")}
    assert all(o["metadata"]["namespace"] == "models-staging" for o in objs)


def test_variation_labels_select_one_variation_and_the_model_service_selects_all():
    objs = objects(automation(variation_name="challenger"))
    model_svc, variation_svc = by_kind(objs, "Service")
    dep = by_kind(objs, "Deployment")[0]
    assert model_svc["spec"]["selector"] == {"app": "churn-model"}
    assert variation_svc["spec"]["selector"] == {"app": "churn-model", "variation": "challenger"}
    assert dep["spec"]["selector"]["matchLabels"] == variation_svc["spec"]["selector"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    assert pod_labels.items() >= {"app": "churn-model", "model_id": "Churn_Model", "variation": "challenger",
                                  "build_id": "b-1", "commit": "0123456789ab"}.items()
    # The shared Service must not carry per-variation labels, or two variations would rewrite each other's labels.
    assert "variation" not in model_svc["metadata"]["labels"]


def test_selector_is_stable_across_builds_so_a_new_build_is_a_rollout():
    first, second = objects(commit="a" * 40), objects(commit="b" * 40)
    dep1, dep2 = by_kind(first, "Deployment")[0], by_kind(second, "Deployment")[0]
    assert dep1["spec"]["selector"] == dep2["spec"]["selector"]
    assert dep1["spec"]["template"] != dep2["spec"]["template"]


def test_replicas_env_command_probes_and_timeout():
    objs = objects()
    dep = by_kind(objs, "Deployment")[0]
    c = container(objs)
    assert dep["spec"]["replicas"] == 3
    assert dep["spec"]["progressDeadlineSeconds"] == 240
    assert dep["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env[contract.ENV_WORKERS] == "4"  # the typed field wins over an env_var of the same name
    assert env[contract.ENV_TIMEOUT_MS] == "2500"
    assert env[contract.ENV_MAX_BATCH] == "16"
    assert env[contract.ENV_DAEMON_MODE] == "true"
    assert env["MODE"] == "full"
    assert len(c["env"]) == len(env)  # no duplicate names
    assert c["command"] == contract.serve_command("python", manifests.ARTIFACT_DIR, contract.DEFAULT_PORT)
    assert c["image"] == "reg.example/churn_model:0123456789ab"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert c["startupProbe"]["failureThreshold"] * c["startupProbe"]["periodSeconds"] == 240


def test_resources_come_from_placement():
    c = container(objects())
    assert c["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "500m", "memory": "1Gi"}}


def test_gpu_placement_reaches_the_pod_spec():
    dep = by_kind(objects(automation(gpu_resources={"gpu_type": "NVIDIA_A100", "gpu_amount": 2})), "Deployment")[0]
    pod = dep["spec"]["template"]["spec"]
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert pod.get("nodeSelector") or pod.get("affinity")
    assert any(t.get("key") == "nvidia.com/gpu" for t in pod.get("tolerations", []))


def test_iam_role_becomes_a_service_account_with_the_irsa_annotation():
    arn = "arn:aws:iam::123456789012:role/churn"
    objs = objects(automation(custom_iam_role_arn=arn))
    sa = by_kind(objs, "ServiceAccount")[0]
    assert sa["metadata"]["annotations"] == {names.IRSA_ANNOTATION: arn}
    assert by_kind(objs, "Deployment")[0]["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"]
    assert not by_kind(objects(), "ServiceAccount")


def test_autoscaled_deployment_leaves_replicas_to_the_autoscaler_but_starts_inside_its_range():
    auto = automation(number_of_pods=10, auto_scale_config={"min_replica_count": 1, "max_replica_count": 4})
    assert "replicas" not in by_kind(objects(auto), "Deployment")[0]["spec"]
    plan = deploy.plan_for(auto, k8s(), ENV, "reg.example/m:1", "c" * 12, "b-1")
    assert plan.replicas == 4  # the size of the first create (rollout.roll_out's initial_replicas)
    assert by_kind(objects(automation(number_of_pods=2)), "Deployment")[0]["spec"]["replicas"] == 2


def test_apply_order_puts_the_autoscaler_after_the_deployment():
    auto = automation(custom_iam_role_arn="arn:x", auto_scale_config={"min_replica_count": 1, "max_replica_count": 2})
    kinds = [o["kind"] for o in objects(auto)]
    assert kinds == ["ServiceAccount", "Service", "Service", "PodDisruptionBudget", "Deployment", "ScaledObject"]


@pytest.mark.parametrize("text", ["Churn_Model", "9lives", "a" * 80, "x.y.z", "--weird--"])
def test_dns_label_and_label_value_are_always_valid(text):
    import re

    name = manifests.dns_label(text)
    assert re.fullmatch(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", name), name
    assert re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?", manifests.label_value(text * 4))


def test_long_names_stay_unique_after_truncation():
    assert manifests.dns_label("m" * 70 + "a") != manifests.dns_label("m" * 70 + "b")


def test_render_without_a_build_uses_the_placeholder_and_default_namespace(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOMATIONS_ENVIRONMENTS_FILE", str(tmp_path / "none.yaml"))
    monkeypatch.setenv("AUTOMATIONS_K8S_NAMESPACE", "serving")
    objs = deploy.render(automation(), k8s())
    assert {o["metadata"]["namespace"] for o in objs} == {"serving"}
    assert container(objs)["image"].endswith(":" + manifests.UNBUILT)


def test_render_makes_one_set_per_environment(monkeypatch, tmp_path):
    envs = tmp_path / "environments.yaml"
    envs.write_text(yaml.safe_dump({"environments": {
        "staging": {"conn_id": "a", "namespace": "stage"}, "production": {"conn_id": "b", "namespace": "prod"}}}))
    monkeypatch.setenv("AUTOMATIONS_ENVIRONMENTS_FILE", str(envs))
    objs = deploy.render(automation(environments=["staging", "production"]), k8s())
    assert [d["metadata"]["namespace"] for d in by_kind(objs, "Deployment")] == ["stage", "prod"]


def test_pull_secret_becomes_image_pull_secrets_and_is_absent_by_default():
    plain = by_kind(objects(), "Deployment")[0]["spec"]["template"]["spec"]
    assert "imagePullSecrets" not in plain
    pulled = by_kind(objects(pull_secret="regcred"), "Deployment")[0]["spec"]["template"]["spec"]
    assert pulled["imagePullSecrets"] == [{"name": "regcred"}]


def test_deploy_pulls_the_pushed_digest_and_falls_back_to_the_build_tag(monkeypatch):
    settings = k8s()
    build = build_result({}, "churn_nightly-cccccccccc-abcdef", commit="c" * 40)
    digest = "registry.example.com/ml/churn_model@sha256:" + "1" * 64
    assert deploy._image_ref(automation(), build, ImageResult(image=digest, pushed=True), settings) == digest
    fallback = deploy._image_ref(automation(), build, ImageResult(image=None, pushed=False), settings)
    assert fallback == "registry.example.com/ml/churn_model:churn_nightly-cccccccccc-abcdef"
    monkeypatch.delenv("AUTOMATIONS_REGISTRY")
    with pytest.raises(ValueError, match="set AUTOMATIONS_REGISTRY"):
        deploy.render(automation(), k8s())


def test_serving_pods_stop_gracefully_inside_their_grace_period():
    dep = by_kind(objects(), "Deployment")[0]
    pod = dep["spec"]["template"]["spec"]
    c = pod["containers"][0]
    assert c["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
    drain = int({e["name"]: e["value"] for e in c["env"]}[contract.ENV_DRAIN_S])
    assert pod["terminationGracePeriodSeconds"] > 5 + drain  # the kubelet never SIGKILLs a draining server
    spread = pod["topologySpreadConstraints"]
    assert [s["topologyKey"] for s in spread] == ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
    assert all(s["labelSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"] for s in spread)
    assert all(s["whenUnsatisfiable"] == "ScheduleAnyway" for s in spread)


def test_disruption_budget_only_when_there_can_be_two_pods():
    pdb = by_kind(objects(), "PodDisruptionBudget")[0]
    dep = by_kind(objects(), "Deployment")[0]
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": dep["spec"]["selector"]}
    assert not by_kind(objects(automation(number_of_pods=1)), "PodDisruptionBudget")
    scaled = automation(number_of_pods=1, auto_scale_config={"min_replica_count": 1, "max_replica_count": 4})
    assert by_kind(objects(scaled), "PodDisruptionBudget")


def test_gpu_rollouts_replace_one_pod_at_a_time_instead_of_needing_a_spare_gpu():
    gpu = {"gpu_resources": {"gpu_type": "NVIDIA_T4", "gpu_amount": 1}}
    update = by_kind(objects(automation(**gpu)), "Deployment")[0]["spec"]["strategy"]["rollingUpdate"]
    assert update == {"maxSurge": 0, "maxUnavailable": 1}
    single = by_kind(objects(automation(number_of_pods=1, **gpu)), "Deployment")[0]["spec"]["strategy"]
    assert single["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}  # never down to zero
    cpu = by_kind(objects(), "Deployment")[0]["spec"]["strategy"]["rollingUpdate"]
    assert cpu == {"maxSurge": 1, "maxUnavailable": 0}
