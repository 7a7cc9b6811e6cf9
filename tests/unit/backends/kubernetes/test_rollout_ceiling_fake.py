"""The rollout wait: a step of progress resets it, a flapping pod does not, and a ceiling that grows with the
replicas bounds the whole rollout. The Deployment's states come from a FAKE scripted client (no cluster)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.kube_fake import FakeClock

from automations.backends.kubernetes import rollout

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]


def state(updated: int, available: int, replicas: int = 3) -> dict[str, Any]:
    return {
        "metadata": {"name": "m", "namespace": "ns", "generation": 2},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": 2,
            "replicas": replicas,
            "updatedReplicas": updated,
            "availableReplicas": available,
        },
    }


class ScriptedClient:
    """A fake KubeClient whose Deployment moves through ``states`` one read per poll, then stays on the last."""

    def __init__(self, states: list[dict[str, Any]]):
        self.states = states
        self.reads = 0

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any]:
        self.reads += 1
        return self.states[min(self.reads - 1, len(self.states) - 1)]


def test_fake_a_pod_that_flaps_between_ready_and_crashing_does_not_reset_the_wait():
    flapping = [state(3, 1), state(3, 2), state(3, 1), state(3, 2), state(3, 1)] * 40
    clock = FakeClock()
    status = rollout.wait_for_rollout(ScriptedClient(flapping), "ns", "m", 30, clock, poll_s=2)
    assert status.failed and "no progress for 30s" in status.message
    assert 30 <= clock.slept <= 34  # the first 2 available is the last new high: 30 s after it, not 400 s later


def test_fake_each_new_high_resets_the_step_budget():
    slow = [state(1, 0)] * 10 + [state(2, 1)] * 10 + [state(3, 2)] * 10 + [state(3, 3)]
    clock = FakeClock()
    status = rollout.wait_for_rollout(ScriptedClient(slow), "ns", "m", 30, clock, poll_s=2)
    assert status.done and clock.slept == 60  # 30 polls of 2 s, each stretch shorter than the 30 s step budget


def test_fake_the_ceiling_bounds_a_rollout_that_creeps():
    creeping = [state(u, 0, replicas=50) for u in range(50) for _ in range(10)]
    clock = FakeClock()
    status = rollout.wait_for_rollout(ScriptedClient(creeping), "ns", "m", 30, clock, poll_s=2, ceiling_s=200)
    assert status.failed and "passed its ceiling of 200s" in status.message
    assert 200 <= clock.slept <= 202


@pytest.mark.parametrize(
    ("strategy", "replicas", "expected_steps"),
    [
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}, 3, 4),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}, 10, 11),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}, 1, 2),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%", "maxUnavailable": 0}}, 5, 3),  # 3 at once
        ({}, 8, 5),  # the controller's defaults: 25 % surge (2 of 8)
        ({"type": "Recreate"}, 6, 2),
    ],
)
def test_the_ceiling_grows_with_the_replicas(strategy, replicas, expected_steps):
    deployment = {"spec": {"strategy": strategy}}
    assert rollout.rollout_ceiling(deployment, replicas, 60) == 60 * expected_steps
