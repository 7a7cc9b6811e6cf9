"""Load on a real Airflow (LocalExecutor, PostgreSQL metadata DB): ``max_active_runs=1`` under two manual
triggers, and LOAD_AUTOMATIONS (10 here; `make bench-load` runs 50) automations on the same minute, each run
exactly once and deployed on the local backend without colliding on ports, files or analytics rows.

One Airflow session for the module (see load_session.py); the two manual runs build while the tick approaches.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from tests.integration.load import load_session

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.e2e]

COUNT = int(os.environ.get("LOAD_AUTOMATIONS", "10"))
PARALLELISM = int(os.environ.get("LOAD_PARALLELISM", "6"))


@pytest.fixture(scope="module")
def load(tmp_path_factory, pg_server):
    session = load_session.start(tmp_path_factory.mktemp("load"), pg_server, COUNT, PARALLELISM)
    try:
        session.wait(session.dags_present, "every DAG parsed and unpaused", 120)
        early = (session.tick - datetime.now(UTC)).total_seconds()
        assert early > 0, "the DAGs appeared after their tick"
        print(f"every DAG present {early:.0f}s before the tick")
        session.trigger_serial_twice()
        session.wait(session.finished, "every run to finish", 600, poll_s=5)
        figures = load_session.report(session)
        print("load figures:", {k: v for k, v in figures.items() if k != "serial_builds"})
        yield figures
    finally:
        session.close()


def test_two_manual_triggers_never_build_the_same_automation_at_once(load):
    assert [state for _, state in load["serial_runs"]] == ["success", "success"], load["serial_runs"]
    assert len(load["serial_builds"]) == 2 and all(b[1] == "success" for b in load["serial_builds"])
    assert load["serial_build_overlaps"] == [], "two builds of one automation ran at once (task_instance times)"
    assert load["serial_analytics_rows"] == 2 and load["serial_analytics_overlaps"] == []


def test_every_automation_on_the_tick_runs_exactly_once(load):
    assert (load["runs"], load["lost"], load["duplicated"], load["not_on_tick"]) == (COUNT, [], [], [])
    assert load["failed"] == [], "every scheduled run succeeds"
    assert load["wall_s"] is not None


def test_their_local_deploys_do_not_collide(load):
    distinct = ("deployed", "stable_ports", "ports_json", "upstream_ports", "server_pids", "log_files", "artifacts")
    assert {key: load[key] for key in distinct} == dict.fromkeys(distinct, COUNT)
    assert load["answering"] == COUNT, "every stable endpoint answers /predict"
    assert (load["analytics_rows"], load["analytics_automations"]) == (COUNT, COUNT)
