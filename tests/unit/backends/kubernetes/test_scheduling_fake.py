"""Unschedulable build pods fail fast with the scheduler's reason; spot retries say so. Pod and events are FAKE
dicts at the boundary the operator reads (no cluster); the clock is a fake too."""

from __future__ import annotations

import logging

import pytest
from tests.support.kube_fake import FakeClock

from automations.backends.kubernetes import build, scheduling

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]

PENDING = {
    "status": {
        "phase": "Pending",
        "conditions": [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": "0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
            }
        ],
    }
}
RUNNING = {"status": {"phase": "Running"}}
NO_SCALE_UP = {
    "reason": "NotTriggerScaleUp",
    "message": "pod didn't trigger scale-up: 2 node(s) didn't match Pod's node affinity/selector",
}
KARPENTER = {
    "reason": "FailedScheduling",
    "message": 'Failed to schedule pod, incompatible with nodepool "default", no instance type satisfied',
}


def test_fake_a_refusal_by_the_cluster_autoscaler_fails_at_once_with_the_schedulers_reason():
    clock = FakeClock()
    with pytest.raises(scheduling.Unschedulable) as err:
        scheduling.wait_until_scheduled(lambda: PENDING, lambda: [NO_SCALE_UP], 7200, clock)
    assert clock.slept == 0
    assert "didn't match Pod's node affinity/selector" in str(err.value) and "NotTriggerScaleUp" in str(err.value)


def test_fake_karpenter_refusal_is_hopeless_too():
    assert scheduling.hopeless([{"reason": "Scheduled"}, KARPENTER]).startswith("FailedScheduling")
    assert scheduling.hopeless([{"reason": "FailedScheduling", "message": "0/3 nodes are available"}]) is None


def test_fake_while_a_provisioner_works_the_wait_goes_on_until_scheduled():
    clock = FakeClock()
    states = iter([PENDING, PENDING, PENDING, RUNNING])
    events = [{"reason": "TriggeredScaleUp", "message": "pod triggered scale-up: [{gpu-pool 0->1 (max: 4)}]"}]
    scheduling.wait_until_scheduled(lambda: next(states), lambda: events, 7200, clock)
    assert clock.slept == 3 * scheduling.POLL_S


def test_fake_timeout_names_the_budget_and_the_schedulers_last_message():
    clock = FakeClock()
    with pytest.raises(scheduling.Unschedulable, match=r"within 60s.*Unschedulable: 0/4 nodes"):
        scheduling.wait_until_scheduled(lambda: PENDING, lambda: [], 60, clock)
    assert 60 <= clock.slept <= 70


def test_build_operator_separates_the_provisioning_budget_from_startup_and_retries_spot():

    from automations.settings import get_settings
    from automations.spec import Automation
    from automations.tasks import XCOM_INPUTS

    def automation(option: str):
        spec = Automation.model_validate(
            {
                "name": "t",
                "model_id": "t",
                "action": {
                    "build_spec": {
                        "git_uri": "https://github.com/acme/m.git#m",
                        "purchase_option": option,
                        "provision_instance_timeout": 30,
                    }
                },
            }
        )
        return spec

    spot = build.build_operator(automation("spot"), get_settings().kubernetes, XCOM_INPUTS)
    assert spot.schedule_timeout_seconds == 30 * 60 and spot.startup_timeout_seconds == build.STARTUP_TIMEOUT_S
    assert spot.retries == build.SPOT_RETRIES
    assert build.build_operator(automation("ondemand"), get_settings().kubernetes, XCOM_INPUTS).retries == 0


def test_a_retried_build_says_so(caplog):
    ti = type("TI", (), {"try_number": 2})()
    with caplog.at_level(logging.WARNING):
        build.announce_attempt({"ti": ti}, retries=2)
    assert "build attempt 2 of 3" in caplog.text and "spot" in caplog.text
    caplog.clear()
    build.announce_attempt({"ti": type("TI", (), {"try_number": 1})()}, retries=2)
    assert caplog.text == ""


class FakeSecrets:
    """A fake of CoreV1Api.read_namespaced_secret."""

    def __init__(self, data: dict | None):
        self.data = data

    def read_namespaced_secret(self, name, namespace):
        from kubernetes.client import V1Secret
        from kubernetes.client.exceptions import ApiException

        if self.data is None:
            raise ApiException(status=404, reason="NotFound")
        return V1Secret(data=self.data)


def test_fake_a_missing_token_secret_fails_at_once_with_its_name():
    with pytest.raises(RuntimeError, match=r"Secret models/github-token does not exist.*create secret generic"):
        build.require_secret(FakeSecrets(None), "models", "github-token")
    with pytest.raises(RuntimeError, match="has no key 'token'"):
        build.require_secret(FakeSecrets({"password": "eA=="}), "models", "github-token")
    build.require_secret(FakeSecrets({"token": "eA=="}), "models", "github-token")


def test_the_operator_checks_the_token_secret_only_in_git_mode(monkeypatch):

    from automations.settings import get_settings
    from automations.spec import Automation
    from automations.tasks import XCOM_INPUTS

    spec = Automation.model_validate(
        {
            "name": "t",
            "model_id": "t",
            "action": {
                "build_spec": {"git_uri": "https://github.com/acme/m.git#m", "git_access_token_secret": "github_token"}
            },
        }
    )
    auto = spec
    assert build.build_operator(auto, get_settings().kubernetes, XCOM_INPUTS).token_secret == ""
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", "git")
    assert build.build_operator(auto, get_settings().kubernetes, XCOM_INPUTS).token_secret == "github-token"
