"""The metric gate against the real PostgreSQL analytics store: static and SQL thresholds, champion vs challenger."""

from __future__ import annotations

import logging

import pytest

from automations.analytics import BuildRow, BuildStatus, DeploymentRow, DeployStatus, RunKey
from automations.runs import BuildResult
from automations.settings import get_settings
from automations.steps.gate import GateError, evaluate
from automations.steps.gate_report import explain_skip, render_table

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

F1_ABOVE = {"metric_name": "f1", "direction": "ABOVE", "threshold": "0.8"}


def _build(metrics: dict, build_id: str = "churn-new") -> BuildResult:
    return BuildResult(metrics=metrics, build_id=build_id, commit="c" * 40, artifact_uri="file:///a")


def _verdict_rows(store, run_id: str) -> list[tuple]:
    return store.fetch(
        'SELECT "condition", metric_name, actual, direction, threshold, passed, forced, note FROM gate_verdicts '
        "WHERE dag_run_id = :run ORDER BY id",
        {"run": run_id},
    )


def _deploy(store, build_id: str, f1: float, status=DeployStatus.deployed, model_id="churn_model", variation="default"):
    key = RunKey("churn", model_id, f"run-{build_id}", build_id)
    store.record_build(BuildRow(key, BuildStatus.succeeded, "c" * 40), {"f1": f1})
    store.record_deployments([DeploymentRow(key, variation, "default", status, "http://127.0.0.1:1")], key.dag_run_id)


def test_static_threshold_pass_and_fail_are_recorded(analytics_env, automation_factory):
    automation = automation_factory(conditions=[F1_ABOVE])
    passed = evaluate(automation, _build({"f1": 0.81}), False, "run-pass", get_settings())
    failed = evaluate(automation, _build({"f1": 0.8}), False, "run-fail", get_settings())
    assert (passed.passed, failed.passed) == (True, False)
    assert _verdict_rows(analytics_env, "run-pass") == [
        ("BuildMetric(f1 ABOVE 0.8)", "f1", 0.81, "ABOVE", 0.8, True, False, "")
    ]
    assert _verdict_rows(analytics_env, "run-fail")[0][5] is False
    assert explain_skip(failed) == "f1 = 0.8 is not ABOVE (>) the threshold 0.8 (static)"


def test_sql_threshold_uses_documented_bind_names(analytics_env, automation_factory):
    _deploy(analytics_env, "old-1", 0.70)
    _deploy(analytics_env, "old-2", 0.90)
    _deploy(analytics_env, "other", 0.10, model_id="someone_else")
    query = (
        "SELECT avg(m.value) FROM build_metrics m WHERE m.model_id = :model_id AND m.metric_name = :metric_name "
        "AND :automation = 'churn' AND :variation = 'default' AND m.build_id LIKE 'old-%'"
    )
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "threshold": query}])
    verdict = evaluate(automation, _build({"f1": 0.81}), False, "run-sql", get_settings())
    (result,) = verdict.conditions
    assert result.threshold == pytest.approx(0.80) and result.source == "sql" and verdict.passed
    verdict = evaluate(automation, _build({"f1": 0.79}), False, "run-sql-2", get_settings())
    assert not verdict.passed


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("SELECT 1 WHERE false", "it returned 0 rows"),
        ("SELECT x FROM (VALUES (1.0), (2.0)) AS t(x)", "it returned 2 rows"),
        ("SELECT 1, 2, 3", "it returned 3 columns"),
        ("SELECT NULL::float", "it returned NULL"),
        ("SELECT 'high'", "it returned text ('high')"),
        ("SELECT no_such_column FROM builds", "threshold query failed (ProgrammingError"),
    ],
)
def test_sql_threshold_errors_name_automation_quote_query_and_say_what_came_back(
    analytics_env, automation_factory, query, says
):
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "threshold": query}])
    with pytest.raises(GateError) as raised:
        evaluate(automation, _build({"f1": 0.9}), False, "run-err", get_settings())
    message = str(raised.value)
    assert "automation 'churn'" in message and says in message and repr(query) in message
    (row,) = _verdict_rows(analytics_env, "run-err")
    assert row[5] is False and says in row[7]


def test_sql_threshold_runs_read_only(analytics_env, automation_factory):
    _deploy(analytics_env, "keep-me", 0.5)
    query = "WITH gone AS (DELETE FROM build_metrics RETURNING 1) SELECT count(*) FROM gone"
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "threshold": query}])
    with pytest.raises(GateError, match="read-only transaction"):
        evaluate(automation, _build({"f1": 0.9}), False, "run-ro", get_settings())
    assert analytics_env.fetch("SELECT count(*) FROM build_metrics") == [(1,)]


def test_sql_threshold_statement_timeout(analytics_env, automation_factory, monkeypatch):
    import time

    monkeypatch.setenv("AUTOMATIONS_GATE_QUERY_TIMEOUT", "1")
    query = "SELECT 1 FROM pg_sleep(30)"
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "threshold": query}])
    started = time.monotonic()
    with pytest.raises(GateError, match="statement timeout"):
        evaluate(automation, _build({"f1": 0.9}), False, "run-slow", get_settings())
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(("challenger", "wins"), [(0.86, True), (0.85, False), (0.84, False)])
def test_champion_versus_challenger(analytics_env, automation_factory, challenger, wins):
    _deploy(analytics_env, "champion", 0.85)
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "variation": "default"}])
    verdict = evaluate(automation, _build({"f1": challenger}), False, "run-cc", get_settings())
    (result,) = verdict.conditions
    assert (verdict.passed, result.threshold, result.source) == (wins, 0.85, "deployed build champion")
    if not wins:
        expected = f"f1 = {challenger} is not ABOVE (>) the threshold 0.85 (deployed build champion)"
        assert explain_skip(verdict) == expected


def test_champion_is_the_last_successful_deploy_not_a_rolled_back_one(analytics_env, automation_factory):
    _deploy(analytics_env, "first", 0.60)
    _deploy(analytics_env, "champion", 0.70)
    _deploy(analytics_env, "rolled", 0.99, status=DeployStatus.rolled_back)
    _deploy(analytics_env, "broken", 0.98, status=DeployStatus.failed)
    _deploy(analytics_env, "canary", 0.10, variation="canary")
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "variation": "default"}])
    verdict = evaluate(automation, _build({"f1": 0.75}), False, "run-rb", get_settings())
    assert verdict.passed and verdict.conditions[0].threshold == 0.70


def test_first_deploy_passes_by_default_and_says_so(analytics_env, automation_factory, caplog):
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "variation": "default"}])
    with caplog.at_level(logging.INFO, logger="automations.steps.gate"):
        verdict = evaluate(automation, _build({"f1": 0.1}), False, "run-first", get_settings())
    assert verdict.passed and verdict.conditions[0].source == "first deploy"
    assert "nothing is deployed on variation 'default'" in caplog.text and "first deploy passes" in caplog.text
    assert _verdict_rows(analytics_env, "run-first")[0][5] is True


def test_first_deploy_fails_when_configured(analytics_env, automation_factory, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_FIRST_DEPLOY_PASSES", "false")
    automation = automation_factory(conditions=[{"metric_name": "f1", "direction": "ABOVE", "variation": "default"}])
    verdict = evaluate(automation, _build({"f1": 0.99}), False, "run-first-no", get_settings())
    assert not verdict.passed
    assert "first deploy fails (AUTOMATIONS_FIRST_DEPLOY_PASSES=false)" in explain_skip(verdict)


def test_champion_without_that_metric_fails_clearly(analytics_env, automation_factory):
    _deploy(analytics_env, "champion", 0.85)
    automation = automation_factory(conditions=[{"metric_name": "auc", "direction": "ABOVE", "variation": "default"}])
    says = "deployed build 'champion' on variation 'default' has no recorded metric 'auc'"
    with pytest.raises(GateError, match=says):
        evaluate(automation, _build({"auc": 0.9}), False, "run-nometric", get_settings())


def test_list_of_conditions_all_must_pass(analytics_env, automation_factory):
    _deploy(analytics_env, "champion", 0.85)
    conditions = [
        {"metric_name": "f1", "direction": "ABOVE", "variation": "default"},
        {"metric_name": "latency_ms", "direction": "BELOW_OR_EQUALS", "threshold": "50"},
        {"metric_name": "f1", "direction": "ABOVE_OR_EQUALS", "threshold": "SELECT 0.5"},
    ]
    automation = automation_factory(conditions=conditions)
    good = evaluate(automation, _build({"f1": 0.9, "latency_ms": 50}), False, "run-all", get_settings())
    bad = evaluate(automation, _build({"f1": 0.9, "latency_ms": 51}), False, "run-one-bad", get_settings())
    assert good.passed and [c.passed for c in good.conditions] == [True, True, True]
    assert not bad.passed and [c.passed for c in bad.conditions] == [True, False, True]
    assert len(_verdict_rows(analytics_env, "run-all")) == 3
    assert explain_skip(bad) == "latency_ms = 51 is not BELOW_OR_EQUALS (<=) the threshold 50 (static)"


def test_force_deploy_overrides_and_is_recorded(analytics_env, automation_factory, caplog):
    auc = {"metric_name": "auc", "direction": "ABOVE", "threshold": "1"}
    automation = automation_factory(conditions=[F1_ABOVE, auc])
    with caplog.at_level(logging.WARNING, logger="automations.steps.gate"):
        verdict = evaluate(automation, _build({"f1": 0.1}), True, "run-force", get_settings())
    assert verdict.passed and verdict.forced and not verdict.conditions_passed
    assert "FORCE_DEPLOY" in caplog.text and "recorded as an override" in caplog.text
    rows = _verdict_rows(analytics_env, "run-force")
    assert [(r[5], r[6]) for r in rows] == [(False, True), (False, True)]
    assert "no metric 'auc'" in rows[1][7]
    assert verdict.to_xcom()["forced"] is True and "override" in render_table(verdict)


def test_empty_condition_list_passes_and_is_recorded(analytics_env, automation_factory, caplog):
    automation = automation_factory(conditions=[])
    with caplog.at_level(logging.INFO, logger="automations.steps.gate"):
        verdict = evaluate(automation, _build({}), False, "run-empty", get_settings())
    assert verdict.passed and verdict.conditions == ()
    assert "has no deployment_condition: the gate passes" in caplog.text
    (row,) = _verdict_rows(analytics_env, "run-empty")
    assert row[0] == "(no deployment_condition)" and row[5] is True


@pytest.mark.parametrize(
    ("metrics", "says"),
    [({"auc": 0.9}, "the build logged no metric 'f1' (it logged: auc)"), ({"f1": "high"}, "is not a finite number")],
)
def test_missing_or_non_numeric_metric_fails(analytics_env, automation_factory, metrics, says):
    automation = automation_factory(conditions=[F1_ABOVE])
    with pytest.raises(GateError, match=r"automation 'churn'.*" + says.replace("(", r"\(").replace(")", r"\)")):
        evaluate(automation, _build(metrics), False, "run-missing", get_settings())
