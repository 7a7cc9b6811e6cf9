"""The Models view's reads on the embedded SQLite store, against a seeded history with an independent oracle."""

from __future__ import annotations

import pytest
from tests.support.history import THRESHOLD, commit_of, f1_of, seed, seed_trigger_checks

from automations.analytics import open_store
from automations.analytics.history import automation_history, deployed_by_automation, latest_outcomes, trigger_checks
from automations.settings import get_settings

pytestmark = pytest.mark.unit
NAMES = ["churn", "fraud", "ranker"]


@pytest.fixture()
def seeded(sqlite_env):
    store = open_store(get_settings())
    return store, seed(store, NAMES, builds=[12, 8, 10])


def test_deployed_is_the_newest_successful_deploy_never_a_rollback(seeded):
    store, expected = seeded
    deployed = deployed_by_automation(store)
    assert sorted(deployed) == NAMES
    for name in NAMES:
        (row,) = deployed[name]
        assert (row.variation, row.environment, row.build_id) == (
            "default",
            "production",
            expected.deployed_build[name],
        )
        assert row.commit == commit_of(name, int(row.build_id.rsplit("b", 1)[1]))  # the build's own commit


def test_latest_outcome_per_automation_says_what_happened_and_why(seeded):
    store, expected = seeded
    outcomes = latest_outcomes(store)
    assert [expected.last_result[name] for name in NAMES] == ["skipped", "rolled_back", "deployed"]
    for name in NAMES:
        assert outcomes[name].dag_run_id == expected.last_run[name]
        assert outcomes[name].result == expected.last_result[name]
    assert f"below the threshold {THRESHOLD}" in outcomes["churn"].reason
    assert outcomes["fraud"].reason == "the deploy ended rolled back"


def test_history_lists_builds_newest_first_with_metrics_verdicts_and_deploy_marks(seeded):
    store, expected = seeded
    history = automation_history(store, "ranker", limit=100)
    assert len(history.builds) == 10 and history.builds[0].build_id == "ranker-b0009"
    assert history.metric_names == ("accuracy", "f1_score")
    by_id = {b.build_id: b for b in history.builds}
    assert by_id["ranker-b0004"].status == "failed" and by_id["ranker-b0004"].metrics == {}
    assert by_id["ranker-b0003"].metrics["f1_score"] == f1_of(2, 3)
    assert by_id["ranker-b0003"].duration_s == 420.0
    assert by_id["ranker-b0007"].deployed is False  # rolled back: never marked deployed
    assert by_id[expected.deployed_build["ranker"]].deployed is True
    below = [b for b in history.builds if b.verdicts and not b.verdicts[0].passed]
    assert len(below) == expected.skipped["ranker"]
    assert {d.status for d in history.deploys} == {"deployed", "rolled_back"}


def test_history_limit_bounds_builds_and_their_metrics(seeded):
    store, _ = seeded
    history = automation_history(store, "churn", limit=3)
    assert [b.build_id for b in history.builds] == ["churn-b0011", "churn-b0010", "churn-b0009"]
    assert all(b.metrics for b in history.builds)


def test_an_unknown_automation_has_an_empty_history(seeded):
    store, _ = seeded
    history = automation_history(store, "nobody")
    assert history.builds == () and history.deploys == () and history.metric_names == ()


def test_trigger_checks_are_oldest_first_with_failed_queries_kept(seeded):
    store, _ = seeded
    values = [0.9, 0.7, 0.6, None, 0.95, 0.5]
    fired = seed_trigger_checks(store, "churn", values, threshold=0.8)
    checks = trigger_checks(store, "churn")
    assert checks is not None and checks.value == tuple(values) and checks.fired == tuple(fired)
    assert fired == [False, True, False, False, False, True]
    assert set(checks.threshold) == {0.8} and checks.direction == "BELOW"
    assert checks.at[0] < checks.at[-1]
    assert trigger_checks(store, "fraud") is None  # never checked: no plot
    assert trigger_checks(store, "churn", limit=2).value == (0.95, 0.5)
