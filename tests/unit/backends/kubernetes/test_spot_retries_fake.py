"""A spot build is retried only when its node went away, and the log says why; a failing build is not retried.
Pods are FAKE: dicts and kubernetes-client V1Pod objects at the boundary the operator reads, no cluster."""

from __future__ import annotations

import logging

import pytest
from airflow.exceptions import AirflowException
from airflow.sdk.exceptions import AirflowFailException
from kubernetes.client import models as k8s
from kubernetes.client.exceptions import ApiException

from automations.backends.kubernetes import build, disruption

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]

RECLAIMED = {
    "status": {
        "phase": "Failed",
        "conditions": [
            {"type": "Ready", "status": "False"},
            {
                "type": "DisruptionTarget",
                "status": "True",
                "reason": "TerminationByKubelet",
                "message": "Pod was terminated in response to imminent node shutdown.",
            },
        ],
    }
}
OLD_KUBELET = {"status": {"phase": "Failed", "reason": "NodeShutdown", "message": "Node is shutting, evicting pods"}}
TESTS_FAILED = {"status": {"phase": "Failed", "containerStatuses": [{"state": {"terminated": {"exitCode": 1}}}]}}


def ti(try_number: int):
    return {"ti": type("TI", (), {"try_number": try_number})()}


def test_fake_the_disruption_condition_gives_the_clusters_reason():
    assert disruption.reason(RECLAIMED) == (
        "TerminationByKubelet: Pod was terminated in response to imminent node shutdown."
    )
    assert disruption.reason(OLD_KUBELET) == "NodeShutdown: Node is shutting, evicting pods"
    assert disruption.reason(None) == disruption.POD_GONE
    assert disruption.reason(TESTS_FAILED) is None
    not_true = {"status": {"conditions": [{"type": "DisruptionTarget", "status": "False", "reason": "x"}]}}
    assert disruption.reason(not_true) is None


def test_fake_a_reclaimed_spot_attempt_is_retried_and_says_why(caplog):
    with caplog.at_level(logging.WARNING):
        raised = build.judge_failure(ti(1), 2, AirflowException("Pod build-x returned a failure."), RECLAIMED)
    assert type(raised) is AirflowException
    assert "attempt 1 of 3 lost its node (TerminationByKubelet" in str(raised)
    assert "Airflow retries it" in caplog.text


def test_fake_the_last_attempt_is_not_retried_even_when_reclaimed():
    raised = build.judge_failure(ti(3), 2, AirflowException("boom"), RECLAIMED)
    assert isinstance(raised, AirflowFailException) and "no attempts left" in str(raised)


def test_fake_a_build_that_failed_in_its_pod_is_not_retried():
    raised = build.judge_failure(
        ti(1), 2, AirflowException("Pod build-x returned a failure.\nremote_pod: ..."), TESTS_FAILED
    )
    assert isinstance(raised, AirflowFailException)
    assert str(raised) == "Pod build-x returned a failure. (the build failed in its pod: not retried)"


class FakePodManager:
    """A fake of the provider's PodManager.read_pod: answers a pod, or raises the API's 404."""

    def __init__(self, answer: k8s.V1Pod | None):
        self.answer = answer

    def read_pod(self, pod):
        if self.answer is None:
            raise ApiException(status=404, reason="Not Found")
        return self.answer


def v1pod(phase: str, reason: str | None = None) -> k8s.V1Pod:
    return k8s.V1Pod(metadata=k8s.V1ObjectMeta(name="b"), status=k8s.V1PodStatus(phase=phase, reason=reason))


def test_fake_the_final_pod_is_the_providers_last_read_when_it_ended():
    ended = build.final_pod(
        FakePodManager(None).read_pod, v1pod("Running"), v1pod("Failed", "NodeShutdown"), RuntimeError()
    )
    assert ended["status"] == {"phase": "Failed", "reason": "NodeShutdown"}


def test_fake_a_pod_that_vanished_mid_build_counts_as_a_lost_node():
    assert build.final_pod(FakePodManager(None).read_pod, v1pod("Running"), v1pod("Running"), RuntimeError()) is None
    gone = ApiException(status=404, reason="Not Found")
    assert build.final_pod(FakePodManager(v1pod("Running")).read_pod, v1pod("Running"), None, gone) is None


def test_fake_a_pod_that_was_never_created_was_not_disrupted():
    assert disruption.reason(build.final_pod(FakePodManager(None).read_pod, None, None, RuntimeError("quota"))) is None
