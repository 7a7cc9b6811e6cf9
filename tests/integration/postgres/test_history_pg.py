"""The Models view's reads on real PostgreSQL give what they give on SQLite, against the same seeded oracle."""

from __future__ import annotations

import pytest
from tests.support.history import THRESHOLD, seed

from automations.analytics.history import automation_history, deployed_by_automation, latest_outcomes

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
NAMES = ["churn", "fraud", "ranker"]


def test_deployed_outcomes_and_history_on_postgresql(analytics_env):
    expected = seed(analytics_env, NAMES, builds=[12, 8, 10])
    deployed = deployed_by_automation(analytics_env)
    assert {name: [d.build_id for d in rows] for name, rows in deployed.items()} == {
        name: [expected.deployed_build[name]] for name in NAMES
    }
    outcomes = latest_outcomes(analytics_env)
    assert {name: outcomes[name].result for name in NAMES} == expected.last_result
    assert f"below the threshold {THRESHOLD}" in outcomes["churn"].reason
    history = automation_history(analytics_env, "fraud", limit=100)
    assert len(history.builds) == 8 and history.builds[0].started.startswith("2026-11-08T04:00:00")
    assert sum(b.deployed for b in history.builds) == len([d for d in history.deploys if d.status == "deployed"])
    assert history.builds[0].duration_s == 420.0
