"""MetricBasedTrigger decisions (pure) and one check cycle on the embedded SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from automations.analytics import TriggerHistory, open_store
from automations.loader import LoadedAutomation
from automations.settings import get_settings
from automations.spec import Automation, ThresholdDirection
from automations.steps.metric_trigger import MetricTriggerError, TriggerPolicy, check, decide
from support.automations import make_automation

pytestmark = pytest.mark.unit

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)
NEVER = TriggerHistory(None, True)
ABOVE = ThresholdDirection.ABOVE


def test_first_crossing_fires():
    d = decide(0.3, 0.2, ABOVE, NEVER, NOW, TriggerPolicy())
    assert (d.crossed, d.fire) == (True, True) and "FIRING (first crossing)" in d.reason


def test_not_crossed_does_not_fire():
    d = decide(0.1, 0.2, ABOVE, NEVER, NOW, TriggerPolicy())
    assert (d.crossed, d.fire) == (False, False) and "is not ABOVE (>) 0.2" in d.reason


def test_still_crossed_after_a_fire_waits_for_recovery():
    d = decide(0.3, 0.2, ABOVE, TriggerHistory(NOW - timedelta(days=1), False), NOW, TriggerPolicy())
    assert (d.crossed, d.fire) == (True, False) and "waiting for it to recover" in d.reason


def test_recovery_rearms_and_the_next_crossing_fires():
    fired = NOW - timedelta(hours=3)
    recovered = decide(0.1, 0.2, ABOVE, TriggerHistory(fired, False), NOW, TriggerPolicy())
    assert not recovered.fire and "armed again" in recovered.reason
    again = decide(0.3, 0.2, ABOVE, TriggerHistory(fired, True), NOW, TriggerPolicy())
    assert again.fire and "after recovering" in again.reason


def test_minimum_spacing_holds_even_after_recovery():
    history = TriggerHistory(NOW - timedelta(minutes=20), True)
    d = decide(0.3, 0.2, ABOVE, history, NOW, TriggerPolicy(min_spacing=timedelta(hours=1)))
    assert not d.fire and "minimum spacing of 1:00:00" in d.reason


def test_without_required_recovery_spacing_alone_limits_runs():
    policy = TriggerPolicy(require_recovery=False, min_spacing=timedelta(hours=1))
    assert decide(0.3, 0.2, ABOVE, TriggerHistory(NOW - timedelta(hours=2), False), NOW, policy).fire
    assert not decide(0.3, 0.2, ABOVE, TriggerHistory(NOW - timedelta(minutes=5), False), NOW, policy).fire


def _metric_automation(sql: str, threshold: str = "0.2") -> LoadedAutomation:
    automation = make_automation(name="drift")
    data = automation.spec.model_dump(mode="json")
    data["trigger"] = {"metric": {"sql_query": sql}, "direction": "ABOVE", "threshold": threshold}
    return LoadedAutomation(Automation.model_validate(data), automation.source)


def test_a_check_cycle_on_sqlite_records_every_value(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
    monkeypatch.setenv("AUTOMATIONS_METRIC_MIN_SPACING", "0")
    settings = get_settings()
    store = open_store(settings)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS drift (v REAL)")
        conn.exec_driver_sql("DELETE FROM drift")
        conn.exec_driver_sql("INSERT INTO drift VALUES (0.1)")
    automation = _metric_automation("SELECT max(v) FROM drift")

    def step(value: float, run: str) -> bool:
        with store.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE drift SET v = {value}")
        return check(automation, run, settings).fire

    assert [step(0.3, "r1"), step(0.4, "r2"), step(0.1, "r3"), step(0.5, "r4")] == [True, False, False, True]
    rows = store.fetch("SELECT dag_run_id, value, crossed, fired FROM metric_checks ORDER BY id")
    assert [(r[0], r[1], bool(r[2]), bool(r[3])) for r in rows] == [
        ("r1", 0.3, True, True),
        ("r2", 0.4, True, False),
        ("r3", 0.1, False, False),
        ("r4", 0.5, True, True),
    ]


def test_a_broken_query_fails_naming_automation_and_query_and_is_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
    settings = get_settings()
    automation = _metric_automation("SELECT value FROM build_metrics")  # 0 rows
    with pytest.raises(MetricTriggerError, match=r"automation 'drift', MetricBasedTrigger: metric query must return"):
        check(automation, "r1", settings)
    [(value, fired, reason)] = open_store(settings).fetch("SELECT value, fired, reason FROM metric_checks")
    assert value is None and not fired and "SELECT value FROM build_metrics" in reason
