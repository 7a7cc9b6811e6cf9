"""The FAKE API server itself (tests/support/kube_fake.py): each server behaviour our deploy logic relies on.

If the fake drifted from the API server's rules, the deploy tests built on it would prove nothing; these pin them.
"""

from __future__ import annotations

import copy

import pytest
from tests.support.kube_fake import FakeApiServer

from automations.backends.kubernetes import ownership
from automations.backends.kubernetes.client import KubeApiError

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]

NS = "models"


def deployment(replicas: int | None = 3, image: str = "img:1", labels: dict | None = None, **spec) -> dict:
    labels = labels or {"app": "m"}
    body = {
        "selector": {"matchLabels": labels},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        "progressDeadlineSeconds": 60,
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "model", "image": image}]}},
        **spec,
    }
    if replicas is not None:
        body["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": NS}, "spec": body}


def test_fake_omitting_an_owned_field_removes_it_and_replicas_falls_back_to_1():
    fake = FakeApiServer()
    fake.apply(deployment(replicas=5))
    fake.apply(deployment(replicas=None))
    assert fake.live("Deployment", NS, "d")["spec"]["replicas"] == 1


def test_fake_a_field_another_manager_also_owns_survives_when_we_stop_applying_it():
    fake = FakeApiServer()
    live = fake.apply(deployment(replicas=5))
    fake.apply(ownership.replicas_handover(live), field_manager="handover", force=False)
    assert fake.owners("Deployment", NS, "d", ("spec", "replicas")) == {"automations", "handover"}
    fake.apply(deployment(replicas=None))
    assert fake.live("Deployment", NS, "d")["spec"]["replicas"] == 5
    assert fake.owners("Deployment", NS, "d", ("spec", "replicas")) == {"handover"}


def test_fake_conflicts_unless_forced_and_forcing_takes_ownership():
    fake = FakeApiServer()
    fake.apply(deployment(replicas=2))
    fake.scale(NS, "d", 8)  # the HPA controller, through the scale subresource: takes the field over
    assert fake.owners("Deployment", NS, "d", ("spec", "replicas")) == {"kube-controller-manager"}
    with pytest.raises(KubeApiError) as err:
        fake.apply(deployment(replicas=3), force=False)
    assert err.value.status == 409 and "kube-controller-manager" in err.value.message
    fake.apply(deployment(replicas=3))
    assert fake.live("Deployment", NS, "d")["spec"]["replicas"] == 3
    assert fake.owners("Deployment", NS, "d", ("spec", "replicas")) == {"automations"}


def test_fake_managed_fields_are_published_in_fieldsv1_form():
    fake = FakeApiServer()
    live = fake.apply(deployment())
    (entry,) = live["metadata"]["managedFields"]
    assert entry["manager"] == "automations" and entry["operation"] == "Apply"
    assert entry["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert 'k:{"name":"model"}' in entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert ownership.owners(live, ownership.REPLICAS) == {"automations"}


def test_fake_generation_bumps_on_spec_changes_including_scale_and_not_on_a_same_apply():
    fake = FakeApiServer()
    assert fake.apply(deployment())["metadata"]["generation"] == 1
    assert fake.apply(deployment())["metadata"]["generation"] == 1
    fake.scale(NS, "d", 4)
    assert fake.live("Deployment", NS, "d")["metadata"]["generation"] == 2
    assert fake.apply(deployment(image="img:2", replicas=4))["metadata"]["generation"] == 3


def test_fake_selector_is_immutable_and_must_match_the_template():
    fake = FakeApiServer()
    fake.apply(deployment())
    with pytest.raises(KubeApiError, match="field is immutable") as err:
        fake.apply(deployment(labels={"app": "m", "variation": "b"}))
    assert err.value.status == 422
    broken = deployment()
    broken["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(KubeApiError, match="does not match template"):
        FakeApiServer().apply(broken)


def test_fake_pod_security_admission_refuses_pods_and_starves_deployments():
    fake = FakeApiServer()
    fake.namespace_labels[NS] = {"pod-security.kubernetes.io/enforce": "restricted"}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": NS},
        "spec": {"containers": [{"name": "c", "image": "x"}]},
    }
    with pytest.raises(KubeApiError, match="allowPrivilegeEscalation") as err:
        fake.apply(pod)
    assert err.value.status == 403
    fake.apply(deployment())
    assert fake.warnings and "restricted" in fake.warnings[0]
    live = fake.get("apps/v1", "Deployment", NS, "d")
    assert live is not None and live["status"]["availableReplicas"] == 0
    (failure,) = [c for c in live["status"]["conditions"] if c["type"] == "ReplicaFailure"]
    assert failure["reason"] == "FailedCreate" and "forbidden" in failure["message"]


def test_fake_kinds_without_their_crd_answer_404():
    fake = FakeApiServer(crds=())
    scaled = {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": "d", "namespace": NS},
        "spec": {"scaleTargetRef": {"name": "d"}, "triggers": []},
    }
    with pytest.raises(KubeApiError) as err:
        fake.apply(scaled)
    assert err.value.status == 404
    with pytest.raises(KubeApiError):
        fake.list("keda.sh/v1alpha1", "ScaledObject", NS, {})
    assert FakeApiServer().apply(scaled)["metadata"]["generation"] == 1


def test_fake_dry_run_validates_without_storing():
    fake = FakeApiServer()
    fake.apply(deployment(), dry_run=True)
    assert fake.get("apps/v1", "Deployment", NS, "d") is None


def _status(fake: FakeApiServer) -> dict:
    live = fake.get("apps/v1", "Deployment", NS, "d")
    assert live is not None
    return live["status"]


def test_fake_rollout_controller_honours_max_surge_and_max_unavailable():
    fake = FakeApiServer()
    fake.apply(deployment(replicas=3, image="img:1"))
    fake.clock.sleep(10)
    assert _status(fake)["availableReplicas"] == 3
    fake.apply(deployment(replicas=3, image="img:2"))
    seen = []
    for _ in range(12):
        status = copy.deepcopy(_status(fake))
        seen.append(status)
        assert status["replicas"] <= 4  # maxSurge 1
        assert status["availableReplicas"] >= 3  # maxUnavailable 0
        fake.clock.sleep(2)
    assert seen[-1]["updatedReplicas"] == 3 and seen[-1]["replicas"] == 3


def test_fake_rollout_controller_reports_progress_deadline_exceeded():
    fake = FakeApiServer()
    fake.ready_after["img:2"] = None
    fake.apply(deployment(replicas=2, image="img:1"))
    fake.clock.sleep(10)
    _status(fake)
    fake.apply(deployment(replicas=2, image="img:2"))
    _status(fake)
    fake.clock.sleep(59)
    assert not [c for c in _status(fake)["conditions"] if c["reason"] == "ProgressDeadlineExceeded"]
    fake.clock.sleep(2)
    (condition,) = [c for c in _status(fake)["conditions"] if c["type"] == "Progressing"]
    assert condition["reason"] == "ProgressDeadlineExceeded"
    assert _status(fake)["availableReplicas"] == 2  # the old pods keep serving
