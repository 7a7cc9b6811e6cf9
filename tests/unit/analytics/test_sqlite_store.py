"""The embedded default on SQLite: fallback, schema, guarded threshold queries and a champion-vs-challenger gate."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from automations.analytics import BuildRow, BuildStatus, DeploymentRow, DeployStatus, RunKey, open_store
from automations.analytics.query import ThresholdQueryError, run_threshold
from automations.settings import get_settings
from automations.steps.gate import GateError, evaluate
from support.runs import build_result

pytestmark = pytest.mark.unit


def test_falls_back_to_sqlite_in_the_state_dir_and_logs_it(sqlite_env, caplog):
    with caplog.at_level(logging.INFO, logger="automations.analytics.connection"):
        store = open_store(get_settings())
    assert store.target.embedded and store.target.dialect == "sqlite"
    assert "'model_analytics' is not defined: using the embedded SQLite store" in caplog.text
    tables = sqlite3.connect(sqlite_env / "analytics.db").execute("SELECT name FROM sqlite_master WHERE type='table'")
    assert {"builds", "build_metrics", "gate_verdicts", "deployments"} <= {row[0] for row in tables}


def test_db_init_and_status_on_the_embedded_store(sqlite_env, capsys):
    from automations.__main__ import main

    assert main(["db", "init"]) == 0 and main(["db", "init"]) == 0
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "embedded SQLite" in out and "deployments\t0" in out


def test_threshold_query_on_sqlite_with_binds(sqlite_env):
    store = open_store(get_settings())
    key = RunKey("churn", "churn_model", "r1", "b1")
    store.record_build(BuildRow(key, BuildStatus.succeeded, "c"), {"f1": 0.7})
    binds = {"automation": "churn", "model_id": "churn_model", "variation": "default", "metric_name": "f1"}
    sql = "SELECT max(value) FROM build_metrics WHERE model_id = :model_id AND metric_name LIKE 'f%'"
    assert run_threshold(store, sql, binds, 5, "churn") == 0.7


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("SELECT 1 WHERE 0", "0 rows"),
        ("SELECT 1 UNION ALL SELECT 2", "2 rows"),
        ("SELECT 1, 2, 3", "3 columns"),
        ("SELECT NULL", "NULL"),
        ("SELECT 'abc'", "text ('abc')"),
        ("DELETE FROM builds", "must be a SELECT (or WITH ... SELECT), not 'DELETE'"),
        ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", "statement timeout"),
    ],
)
def test_threshold_query_errors_on_sqlite(sqlite_env, sql, says):
    store = open_store(get_settings())
    with pytest.raises(ThresholdQueryError) as raised:
        run_threshold(store, sql, {}, 0.5, "automation 'churn'")
    assert says in str(raised.value) and repr(sql) in str(raised.value) and "automation 'churn'" in str(raised.value)
    # the guard is undone: the pooled connection writes again afterwards
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.failed))


def test_champion_versus_challenger_on_sqlite(sqlite_env, automation_factory):
    store = open_store(get_settings())
    key = RunKey("churn", "churn_model", "r1", "champ")
    store.record_build(BuildRow(key, BuildStatus.succeeded, "c"), {"f1": 0.8})
    store.record_deployments([DeploymentRow(key, "default", "default", DeployStatus.deployed, "http://x")], "r1")
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "variation": "default"}])
    win = evaluate(automation, build_result({"f1": 0.81}, "b2"), False, "r2", get_settings())
    lose = evaluate(automation, build_result({"f1": 0.79}, "b3"), False, "r3", get_settings())
    assert (win.passed, lose.passed) == (True, False)
    rows = store.fetch("SELECT dag_run_id, threshold, passed, forced FROM gate_verdicts ORDER BY id")
    assert rows == [("r2", 0.8, 1, 0), ("r3", 0.8, 0, 0)]


def test_sql_error_on_sqlite_fails_the_gate(sqlite_env, automation_factory):
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "threshold": "SELECT 'x'"}])
    with pytest.raises(GateError, match="it returned text"):
        evaluate(automation, build_result({"f1": 0.81}), False, "r", get_settings())
