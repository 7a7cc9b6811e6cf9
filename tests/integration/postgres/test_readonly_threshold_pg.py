"""Threshold queries that try to write, on the real PostgreSQL: each fails with a clear reason and writes nothing."""

from __future__ import annotations

import pytest

from automations.analytics import BuildRow, BuildStatus, RunKey
from automations.analytics.query import ThresholdQueryError, run_threshold

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

WRITES = [
    ("INSERT INTO builds (build_id) VALUES ('x')", "must be a SELECT"),
    ("SELECT * INTO stolen FROM build_metrics", "cannot execute SELECT INTO in a read-only transaction"),
    ("WITH gone AS (DELETE FROM build_metrics RETURNING 1) SELECT count(*) FROM gone", "read-only transaction"),
    ("COPY (SELECT 1) TO '/tmp/threshold-copy.txt'", "must be a SELECT"),
    ("COPY build_metrics FROM STDIN", "must be a SELECT"),
    ("SELECT i14_writes()", "read-only transaction"),  # a function that INSERTs, made by the fixture
    ("SELECT nextval('i14_seq')", "read-only transaction"),
    ("SELECT set_config('statement_timeout', '0', true), 1", "may not call set_config()"),
    ("SELECT pg_notify('c', 'x')", "may not call pg_notify()"),
    ("SELECT pg_advisory_lock(14)", "may not call pg_advisory_lock()"),
    ("SELECT lo_from_bytea(0, 'x')", "may not call lo_from_bytea()"),
    ("SELECT 1; DROP TABLE builds", "exactly one statement"),
]


@pytest.fixture()
def store(analytics_env):
    analytics_env.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.succeeded), {"f1": 0.5})
    with analytics_env.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS stolen")
        conn.exec_driver_sql("CREATE SEQUENCE IF NOT EXISTS i14_seq")
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION i14_writes() RETURNS int LANGUAGE sql AS "
            "$$ INSERT INTO build_metrics (automation, model_id, dag_run_id, build_id, metric_name, value, logged_at) "
            "VALUES ('a', 'm', 'r', 'b', 'planted', 1, now()) RETURNING 1 $$"
        )
    return analytics_env


def _state(store) -> tuple:
    return (
        store.fetch("SELECT count(*) FROM build_metrics"),
        store.fetch("SELECT count(*) FROM builds"),
        store.fetch("SELECT last_value, is_called FROM i14_seq"),
        store.fetch("SELECT count(*) FROM pg_tables WHERE tablename = 'stolen'"),
        store.fetch("SELECT count(*) FROM pg_largeobject_metadata"),
    )


@pytest.mark.parametrize(("sql", "says"), WRITES)
def test_writes_fail_clearly_and_write_nothing_on_postgresql(store, sql, says):
    before = _state(store)
    with pytest.raises(ThresholdQueryError) as raised:
        run_threshold(store, sql, {}, 5, "automation 'a'")
    assert says in str(raised.value) and repr(sql) in str(raised.value)
    assert _state(store) == before


@pytest.mark.parametrize("sql", ["INSERT INTO builds (build_id) VALUES ('x')", "SELECT i14_writes()"])
def test_past_the_statement_check_the_read_only_transaction_still_refuses(store, monkeypatch, sql):
    import automations.analytics.query as query

    monkeypatch.setattr(query, "check_read_only", lambda sql: None)
    before = _state(store)
    with pytest.raises(ThresholdQueryError, match="read-only transaction"):
        run_threshold(store, sql, {}, 5, "a")
    assert _state(store) == before
