"""The analytics schema on the embedded SQLite: created once from the Table definitions, a no-op on a complete
database (including one created from the old .sql script), and the gaps of an older database filled in."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from automations.analytics import AnalyticsStore, BuildRow, BuildStatus, MetricCheckRow, RunKey, open_store
from automations.analytics.connection import resolve
from automations.settings import get_settings
from support.analytics_schema import (
    ADDED_INDEXES,
    ADDED_TABLES,
    INDEXES,
    ddl_issued,
    legacy_sql,
    without_later_additions,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
TABLES = {"builds", "build_metrics", "gate_verdicts", "deployments", "metric_checks", *ADDED_TABLES}
ALL_INDEXES = INDEXES | ADDED_INDEXES


def _catalog(db: Path, kind: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%'", (kind,))
        return {row[0] for row in rows}


def _legacy_database(state: Path, without: tuple[str, ...] = ()) -> Path:
    state.mkdir(parents=True, exist_ok=True)
    db = state / "analytics.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(legacy_sql("sqlite", without))
    return db


def test_a_fresh_database_gets_every_table_and_index(sqlite_env):
    store = AnalyticsStore(*resolve(get_settings()), get_settings().analytics_write_retry_s)
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema()
    assert sorted(" ".join(s.split()[:3]) for s in ddl) == sorted(
        [f"CREATE TABLE {name}" for name in TABLES] + [f"CREATE INDEX {name}" for name in ALL_INDEXES]
    ), ddl
    assert _catalog(sqlite_env / "analytics.db", "table") == TABLES
    assert _catalog(sqlite_env / "analytics.db", "index") == ALL_INDEXES


def test_ensuring_a_complete_schema_again_issues_no_ddl(sqlite_env):
    store = open_store(get_settings())
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema(force=True)
    assert ddl == []


def test_a_database_created_by_the_old_script_is_used_as_it_is(sqlite_env):
    _legacy_database(sqlite_env)
    store = AnalyticsStore(*resolve(get_settings()), get_settings().analytics_write_retry_s)
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema()
    assert without_later_additions(ddl) == []  # only the later build-record additions are migrated
    key = RunKey("churn", "churn_model", "r1", "b1")
    store.record_build(BuildRow(key, BuildStatus.succeeded, "c", artifact="s3://a"), {"f1": 0.7})
    store.record_metric_check(MetricCheckRow(key, 0.5, 0.4, "ABOVE", True, True, "crossed"))
    assert store.fetch('SELECT id, "commit", artifact FROM builds') == [(1, "c", "s3://a")]
    assert store.trigger_history("churn").last_fired_at is not None


def test_an_older_database_gets_the_missing_column_and_index(sqlite_env):
    db = _legacy_database(sqlite_env, without=("artifact", "builds_automation"))
    store = open_store(get_settings())
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.succeeded, artifact="s3://x"))
    assert store.fetch("SELECT artifact FROM builds") == [("s3://x",)]
    assert "builds_automation" in _catalog(db, "index")


def test_timestamps_and_booleans_keep_their_sqlite_spelling(sqlite_env):
    store = open_store(get_settings())
    key = RunKey("churn", "churn_model", "r1")
    check = MetricCheckRow(key, None, 0.4, "ABOVE", None, False, "query failed")
    store.record_metric_check(check)
    assert store.fetch('SELECT "at", crossed, fired FROM metric_checks') == [(check.at.isoformat(), None, 0)]


_WRITER = textwrap.dedent("""
    from automations.analytics import BuildRow, BuildStatus, RunKey, open_store
    from automations.settings import get_settings
    store = open_store(get_settings())
    for i in range(20):
        store.record_build(BuildRow(RunKey("{name}", "m", f"run-{{i}}", f"{name}-{{i}}"), BuildStatus.succeeded))
""")


def test_two_processes_creating_the_embedded_schema_at_once_lose_nothing(sqlite_env):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "AUTOMATIONS_STATE_DIR": str(sqlite_env)}
    env.pop("AIRFLOW_CONN_MODEL_ANALYTICS", None)
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER.format(name=name)], env=env, stderr=subprocess.PIPE, text=True)
        for name in ("alpha", "beta")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
    with sqlite3.connect(sqlite_env / "analytics.db") as conn:
        counts = conn.execute("SELECT automation, count(*) FROM builds GROUP BY automation ORDER BY 1").fetchall()
    assert counts == [("alpha", 20), ("beta", 20)]
