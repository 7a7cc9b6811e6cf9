"""The analytics schema on real PostgreSQL: created from the Table definitions, no DDL on a complete database
(none of the CREATE INDEX that once deadlocked with writers), and an older database's gaps filled in."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from automations.analytics import AnalyticsStore, BuildRow, BuildStatus, RunKey, open_store
from automations.analytics.connection import dispose_engines, resolve
from automations.analytics.store import _SCHEMA_READY
from automations.settings import get_settings
from support.analytics_schema import ADDED_INDEXES, INDEXES, ddl_issued, legacy_sql, without_later_additions

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture()
def empty_database(pg_server, monkeypatch, tmp_path):
    name = pg_server.create_database()
    monkeypatch.setenv("AIRFLOW_CONN_MODEL_ANALYTICS", pg_server.uri(name))
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    yield pg_server.uri(name)
    dispose_engines()
    _SCHEMA_READY.clear()
    pg_server.drop_database(name)


def _run_script(uri: str, sql: str) -> None:
    engine = create_engine(uri.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.begin() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


def _indexes(store: AnalyticsStore) -> set[str]:
    rows = store.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'")
    return {row[0] for row in rows}


def test_a_fresh_database_gets_every_index_and_a_second_pass_issues_no_ddl(empty_database):
    store = open_store(get_settings())
    assert _indexes(store) == INDEXES | ADDED_INDEXES
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema(force=True)
    assert ddl == []


def test_a_database_created_by_the_old_script_is_used_as_it_is(empty_database):
    _run_script(empty_database, legacy_sql("postgresql"))
    store = AnalyticsStore(*resolve(get_settings()), get_settings().analytics_write_retry_s)
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema()
    assert without_later_additions(ddl) == []  # only the later build-record additions are migrated
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.succeeded, "c"), {"f1": 0.5})
    assert store.fetch('SELECT id, "commit" FROM builds') == [(1, "c")]


def test_an_older_database_gets_the_missing_column_and_index(empty_database):
    _run_script(empty_database, legacy_sql("postgresql", without=("artifact", "deployments_run")))
    store = AnalyticsStore(*resolve(get_settings()), get_settings().analytics_write_retry_s)
    with ddl_issued(store.engine) as ddl:
        store.ensure_schema()
    assert without_later_additions(ddl) == [
        "ALTER TABLE builds ADD COLUMN artifact TEXT",
        "CREATE INDEX deployments_run ON deployments (automation, dag_run_id)",
    ]
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.succeeded, artifact="s3://x"))
    assert store.fetch("SELECT artifact FROM builds") == [("s3://x",)]
    assert "deployments_run" in _indexes(store)
