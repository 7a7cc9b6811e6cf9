"""What the build record holds beyond metrics: the install's warnings (a ``builds`` column), the build's params
(``build_params``) and each deploy's tests/it/ outcome (``integration_tests``), on the embedded SQLite; and the
migration of a database made before they existed (the column added, the tables created, nothing else touched)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from automations.analytics import AnalyticsStore, BuildRow, BuildStatus, IntegrationRow, RunKey, open_store
from automations.analytics.connection import resolve
from automations.settings import get_settings
from support.analytics_schema import ddl_issued, legacy_sql

pytestmark = pytest.mark.unit

KEY = RunKey("churn", "churn-model", "run-1", "b1")
WARNINGS = ("dropped the python pin 'python=3.9': the build uses Python 3.11", "added qwak-core==0.7.160: ...")


def test_warnings_and_params_land_beside_the_metrics(sqlite_env):
    store = open_store(get_settings())
    row = BuildRow(KEY, BuildStatus.succeeded, "c", warnings=WARNINGS)
    store.record_build(row, {"f1_score": 0.9}, {"max_depth": 4, "optimizer": "adam", "note": None})
    [(warnings,)] = store.fetch("SELECT warnings FROM builds")
    assert tuple(json.loads(warnings)) == WARNINGS
    params = store.fetch("SELECT build_id, param_name, value FROM build_params ORDER BY param_name")
    assert [(b, n, json.loads(v)) for b, n, v in params] == [
        ("b1", "max_depth", 4),
        ("b1", "note", None),
        ("b1", "optimizer", "adam"),
    ]
    assert store.fetch("SELECT metric_name, value FROM build_metrics") == [("f1_score", 0.9)]


def test_a_build_without_warnings_stores_null(sqlite_env):
    store = open_store(get_settings())
    store.record_build(BuildRow(KEY, BuildStatus.failed, "c"))
    assert store.fetch("SELECT warnings FROM builds") == [(None,)]
    assert store.fetch("SELECT count(*) FROM build_params") == [(0,)]


def test_integration_outcomes_are_rows(sqlite_env):
    store = open_store(get_settings())
    store.record_integration_tests(IntegrationRow(KEY, "passed", "", {"passed": 2, "failed": 0, "skipped": 1}))
    store.record_integration_tests(IntegrationRow(KEY, "skipped", "the model has no tests/it/ directory"))
    rows = store.fetch("SELECT status, passed, failed, skipped, reason FROM integration_tests ORDER BY id")
    assert rows == [("passed", 2, 0, 1, ""), ("skipped", None, None, None, "the model has no tests/it/ directory")]


def test_a_database_from_before_gets_the_column_and_the_tables_then_no_more_ddl(sqlite_env):
    sqlite_env.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(sqlite_env / "analytics.db") as conn:
        conn.executescript(legacy_sql("sqlite"))
        conn.execute(
            "INSERT INTO builds (automation, model_id, dag_run_id, status) VALUES ('old', 'm', 'r0', 'succeeded')"
        )
    store = AnalyticsStore(*resolve(get_settings()), get_settings().analytics_write_retry_s)
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema()
    assert sorted(" ".join(s.split()[:3]) for s in ddl) == sorted(
        [
            "ALTER TABLE builds",
            "CREATE TABLE build_params",
            "CREATE TABLE integration_tests",
            "CREATE INDEX build_params_build",
            "CREATE INDEX build_params_automation",
            "CREATE INDEX integration_tests_run",
        ]
    ), ddl
    store.record_build(BuildRow(KEY, BuildStatus.succeeded, "c", warnings=WARNINGS), {}, {"seed": 7})
    assert store.fetch("SELECT automation, warnings IS NULL FROM builds ORDER BY id") == [("old", 1), ("churn", 0)]
    with ddl_issued(store.engine) as again:
        store.ensure_schema(force=True)
    assert again == []
