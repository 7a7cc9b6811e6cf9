"""Every pod we render, checked against Pod Security "restricted" (tests/support/pod_security.py, written from the
Kubernetes docs, independent of the rendering code); the serving-image builder against what it is allowed."""

from __future__ import annotations

import pytest
from tests.support.pod_security import violations

from automations.backends.kubernetes import build, deploy, image, security
from automations.environments import Environment
from automations.settings import get_settings
from automations.spec import Automation

pytestmark = pytest.mark.unit

ENV = Environment(name="production", conn_id="k8s", namespace="models")
CASES = {
    "cpu": {},
    "gpu": {"resources": {"gpu_type": "NVIDIA_A100", "gpu_amount": 2}},
    "iam": {"assumed_iam_role": "arn:aws:iam::123456789012:role/trainer"},
    "instance": {"resources": {"instance": "g5_xlarge"}},
}


def automation(deployment: dict | None = None, **build_fields) -> Automation:
    spec = Automation.model_validate(
        {
            "name": "churn",
            "model_id": "churn-model",
            "action": {
                "build_spec": {"git_uri": "https://github.com/acme/models.git#churn", **build_fields},
                "deployment_spec": {
                    "custom_iam_role_arn": "arn:aws:iam::1:role/serve",
                    "auto_scale_config": {"min_replica_count": 1, "max_replica_count": 3},
                    **(deployment or {}),
                },
            },
        }
    )
    return spec


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOMATIONS_ARTIFACT_ROOT", (tmp_path / "artifacts").as_uri())
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "registry.example.com/ml")


@pytest.mark.parametrize("source", ["artifact", "git"])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_build_pod_with_its_init_container_and_xcom_sidecar_is_restricted(case, source, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", source)
    (pod,) = [d for d in build.render(automation(**CASES[case]), get_settings().kubernetes) if d["kind"] == "Pod"]
    names = {c["name"] for c in pod["spec"]["containers"] + pod["spec"]["initContainers"]}
    assert names == {"base", "airflow-xcom-sidecar", "source", "install"}  # the provider's sidecar too
    assert violations(pod["spec"]) == []
    assert pod["spec"]["automountServiceAccountToken"] is False


SERVING = {
    "cpu": {"cpu_fraction": 2, "memory": "4GiB"},
    "gpu": {"gpu_resources": {"gpu_type": "NVIDIA_T4", "gpu_amount": 1}},
    "instance": {"instance": "g5_xlarge"},
}


@pytest.mark.parametrize("case", SERVING, ids=list(SERVING))
def test_serving_pods_are_restricted(case):
    auto = automation(SERVING[case])
    plan = deploy.plan_for(
        auto, get_settings().kubernetes, ENV, "registry.example.com/ml/churn-model@sha256:" + "a" * 64, "c" * 40, "b-1"
    )
    from automations.backends.kubernetes import manifests

    (dep,) = [o for o in manifests.render_plan(plan) if o["kind"] == "Deployment"]
    assert violations(dep["spec"]["template"]["spec"]) == []
    assert dep["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_the_image_builder_breaks_restricted_only_where_kaniko_needs_root_and_stays_within_baseline():
    (pod,) = image.render(automation(), get_settings().kubernetes)
    found = violations(pod["spec"])
    assert all('container "base"' in v for v in found), found  # the init container is restricted
    assert sorted(v.split(" (")[0] for v in found) == [
        "runAsNonRoot != true",
        "runAsUser=0",
        "unrestricted capabilities",
    ]
    kaniko = pod["spec"]["containers"][0]["securityContext"]
    baseline_caps = {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
    assert set(kaniko["capabilities"]["add"]) <= baseline_caps and not kaniko.get("privileged")
    assert kaniko["allowPrivilegeEscalation"] is False and kaniko["seccompProfile"]["type"] == "RuntimeDefault"


def test_the_checker_catches_each_rule():
    secure = security.secure_pod_spec({"containers": [{"name": "c", "image": "x"}]})
    assert violations(secure) == []
    for broken, rule in [
        ({"allowPrivilegeEscalation": True}, "allowPrivilegeEscalation"),
        ({"capabilities": {"drop": []}}, "drop ALL"),
        ({"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}}, "SYS_ADMIN"),
        ({"runAsNonRoot": False}, "runAsNonRoot"),
        ({"runAsUser": 0}, "runAsUser=0"),
        ({"seccompProfile": {"type": "Unconfined"}}, "seccompProfile"),
        ({"privileged": True}, "privileged"),
    ]:
        spec = security.secure_pod_spec({"containers": [{"name": "c", "image": "x"}]})
        spec["containers"][0]["securityContext"].update(broken)
        assert any(rule in v for v in violations(spec)), (broken, violations(spec))
    assert violations({**secure, "hostNetwork": True})
    assert violations({**secure, "volumes": [{"name": "h", "hostPath": {"path": "/"}}]})
    assert violations({**secure, "initContainers": [{"name": "i", "image": "x"}]})
