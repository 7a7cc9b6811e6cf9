"""Old local build environments are pruned; deployed builds and the newest ones are kept."""

from __future__ import annotations

import os

import pytest

from automations.backends.local import retention
from automations.gateway import registry
from automations.settings import get_settings

pytestmark = pytest.mark.unit


@pytest.fixture
def settings(tmp_path):
    return get_settings().replace(state_dir=tmp_path / "state", local={"keep_builds": 2}).local


def make_build(settings, build_id: str, age_s: int) -> None:
    for folder in (settings.envs_dir, settings.workspaces_dir):
        (folder / build_id).mkdir(parents=True)
    stamp = 1_700_000_000 - age_s
    os.utime(settings.envs_dir / build_id, (stamp, stamp))


def deployed(settings, automation: str, build_id: str) -> None:
    registry.write(settings.deployments_dir, registry.Deployment(
        automation=automation, variation="default", build_id=build_id, endpoint="http://127.0.0.1:1", pid=1,
        port=1, host="127.0.0.1", artifact="/nowhere", log_file="/nowhere.log", started_at="2026-01-01T00:00:00Z"))


def test_keeps_the_deployed_and_newest_builds_and_removes_the_rest(settings):
    ids = [f"churn-{i:010x}-{i:06x}" for i in range(5)]  # ids[0] newest
    for age, build_id in enumerate(ids):
        make_build(settings, build_id, age_s=age * 60)
    deployed(settings, "churn", ids[4])  # the oldest is the one serving
    assert retention.prune(settings, "churn") == [ids[3], ids[2]]
    assert sorted(p.name for p in settings.envs_dir.iterdir()) == sorted([ids[0], ids[1], ids[4]])
    assert sorted(p.name for p in settings.workspaces_dir.iterdir()) == sorted([ids[0], ids[1], ids[4]])


def test_another_automation_with_a_longer_name_is_untouched(settings):
    make_build(settings, "churn-b-0000000001-000001", age_s=600)
    for i in range(3):
        make_build(settings, f"churn-{i:010x}-{i:06x}", age_s=i)
    retention.prune(settings, "churn")
    assert (settings.envs_dir / "churn-b-0000000001-000001").is_dir()


def test_nothing_to_prune_on_a_fresh_machine(settings):
    assert retention.prune(settings, "churn") == []
