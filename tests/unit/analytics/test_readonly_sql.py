"""Threshold queries that try to write, on SQLite: each fails with a clear reason and writes nothing."""

from __future__ import annotations

import pytest

from automations.analytics import BuildRow, BuildStatus, RunKey, open_store
from automations.analytics.query import ThresholdQueryError, run_threshold
from automations.analytics.readonly_sql import NotReadOnly, check_read_only
from automations.settings import get_settings

pytestmark = pytest.mark.unit

WRITES_ON_SQLITE = [
    ("INSERT INTO builds (build_id) VALUES ('x')", "must be a SELECT"),
    ("SELECT 1 INTO other", "syntax error"),  # SQLite has no SELECT INTO: it is a syntax error there
    ("WITH gone AS (DELETE FROM build_metrics RETURNING 1) SELECT count(*) FROM gone", "syntax error"),
    ("ATTACH DATABASE '{tmp}/created.db' AS x", "must be a SELECT"),
    ("VACUUM INTO '{tmp}/copy.db'", "must be a SELECT"),
    ("PRAGMA query_only = OFF", "must be a SELECT"),
    ("PRAGMA journal_mode = WAL", "must be a SELECT"),
    ("SELECT 1; DELETE FROM build_metrics", "exactly one statement"),
    ("SELECT load_extension('/tmp/x.so')", "may not call load_extension()"),
    ("SELECT count(*) FROM pragma_user_version", "not authorized"),  # the authorizer refuses every pragma
]


@pytest.mark.parametrize(("sql", "says"), WRITES_ON_SQLITE)
def test_writes_fail_clearly_and_write_nothing_on_sqlite(sqlite_env, tmp_path, sql, says):
    store = open_store(get_settings())
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.succeeded), {"f1": 0.5})
    before = store.fetch("SELECT count(*) FROM build_metrics")
    sql = sql.replace("{tmp}", str(tmp_path))
    with pytest.raises(ThresholdQueryError) as raised:
        run_threshold(store, sql, {}, 5, "automation 'a'")
    assert says in str(raised.value) and repr(sql) in str(raised.value)
    assert store.fetch("SELECT count(*) FROM build_metrics") == before
    assert sorted(p.name for p in tmp_path.glob("*.db")) == [], "no database file may be created"
    assert store.fetch("PRAGMA journal_mode") != [("wal",)]


@pytest.mark.parametrize("sql", ["DELETE FROM build_metrics", "ATTACH DATABASE '{tmp}/x.db' AS x", "VACUUM"])
def test_past_the_statement_check_the_engine_still_refuses(sqlite_env, tmp_path, monkeypatch, sql):
    """Defence in depth: with the statement check switched off, query_only and the authorizer still refuse."""
    import automations.analytics.query as query

    monkeypatch.setattr(query, "check_read_only", lambda sql: None)
    store = open_store(get_settings())
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.succeeded), {"f1": 0.5})
    with pytest.raises(ThresholdQueryError, match="not authorized|authorization denied|readonly"):
        run_threshold(store, sql.replace("{tmp}", str(tmp_path)), {}, 5, "a")
    assert store.fetch("SELECT count(*) FROM build_metrics") == [(1,)] and not list(tmp_path.glob("*.db"))


def test_the_authorizer_is_removed_afterwards_so_the_store_still_writes(sqlite_env):
    store = open_store(get_settings())
    with pytest.raises(ThresholdQueryError):
        run_threshold(store, "DELETE FROM builds", {}, 5, "a")
    store.record_build(BuildRow(RunKey("a", "m", "r2", "b2"), BuildStatus.failed))
    assert store.fetch("SELECT count(*) FROM builds WHERE build_id = 'b2'") == [(1,)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        "select avg(value) from build_metrics where model_id = :model_id;",
        "-- the champion\nWITH c AS (SELECT 1 AS v) SELECT v FROM c",
        "SELECT 'pg_notify(' AS text_not_a_call",
    ],
)
def test_plain_selects_pass_the_check(sql):
    if "pg_notify(" in sql:
        with pytest.raises(NotReadOnly):  # a name inside a string literal is refused too: simple beats clever here
            check_read_only(sql)
    else:
        check_read_only(sql)
