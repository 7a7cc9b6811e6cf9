"""The automations' timetable: Qwak's first-run rule, slots after a run, no catch-up, stable across re-parses."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from automations import timetable as module
from automations.timetable import GRACE, AutomationTimetable

pytestmark = pytest.mark.unit

NO_LIMIT = TimeRestriction(earliest=module.EPOCH, latest=None, catchup=False)
T = pendulum.datetime


@pytest.fixture
def clock(monkeypatch):
    now = {"t": T(2026, 3, 4, 10, 17, tz="UTC")}  # a Wednesday
    monkeypatch.setattr(module, "_now", lambda: now["t"])
    return now


def first(tt: AutomationTimetable):
    return tt.next_dagrun_info(last_automated_data_interval=None, restriction=NO_LIMIT)


def after(tt: AutomationTimetable, end):
    return tt.next_dagrun_info(last_automated_data_interval=DataInterval.exact(end), restriction=NO_LIMIT)


def test_a_new_weekly_cron_waits_for_the_next_slot_never_the_past_one(clock):
    info = first(AutomationTimetable(cron="0 0 * * 0"))
    assert info.run_after == T(2026, 3, 8, tz="UTC")  # next Sunday, not last Sunday (Airflow's catchup=False)


def test_reparsing_before_the_slot_gives_the_same_slot(clock):
    tt = AutomationTimetable(cron="0 0 * * 0")
    before = first(tt).run_after
    clock["t"] = clock["t"].add(days=2)
    assert first(tt).run_after == before


def test_execute_immediately_runs_once_now_then_follows_the_cron(clock):
    tt = AutomationTimetable(cron="0 0 * * 0", execute_immediately=True)
    now = first(tt)
    assert now.run_after == clock["t"] and now.data_interval == DataInterval.exact(clock["t"])
    clock["t"] = clock["t"].add(seconds=30)  # the run exists now: a re-parse or restart asks with it
    assert after(tt, now.run_after).run_after == T(2026, 3, 8, tz="UTC")


def test_after_a_run_the_next_slot_follows(clock):
    tt = AutomationTimetable(cron="0 * * * *")
    assert after(tt, T(2026, 3, 4, 10, tz="UTC")).run_after == T(2026, 3, 4, 11, tz="UTC")


def test_a_re_enabled_automation_does_not_catch_up(clock):
    tt = AutomationTimetable(cron="0 0 * * 0")
    info = after(tt, T(2026, 1, 4, tz="UTC"))  # last run two months ago: paused since
    assert info.run_after == T(2026, 3, 8, tz="UTC")


def test_a_slot_missed_by_less_than_the_grace_still_runs(clock):
    tt = AutomationTimetable(cron="0 * * * *")
    clock["t"] = T(2026, 3, 4, 11, tz="UTC") + GRACE - timedelta(seconds=5)  # the scheduler was busy
    assert after(tt, T(2026, 3, 4, 10, tz="UTC")).run_after == T(2026, 3, 4, 11, tz="UTC")


def test_interval_slots_are_aligned_to_the_epoch(clock):
    tt = AutomationTimetable(interval="6h")
    assert first(tt).run_after == T(2026, 3, 4, 12, tz="UTC")
    assert after(tt, T(2026, 3, 4, 12, tz="UTC")).run_after == T(2026, 3, 4, 18, tz="UTC")
    assert first(AutomationTimetable(interval="monthly")).run_after == T(2026, 4, 1, tz="UTC")
    assert first(AutomationTimetable(interval="30m")).run_after == T(2026, 3, 4, 10, 30, tz="UTC")


def test_end_date_stops_scheduling(clock):
    limit = TimeRestriction(earliest=module.EPOCH, latest=T(2026, 3, 5, tz="UTC"), catchup=False)
    tt = AutomationTimetable(cron="0 0 * * 0")
    assert tt.next_dagrun_info(last_automated_data_interval=None, restriction=limit) is None


def test_serialize_round_trip_and_summary():
    tt = AutomationTimetable(cron="0 2 * * *", execute_immediately=True)
    assert AutomationTimetable.deserialize(tt.serialize()) == tt
    assert tt.summary == "0 2 * * *" and "runs once at first appearance" in tt.description
    with pytest.raises(ValueError, match="exactly one"):
        AutomationTimetable()


def test_manual_runs_get_an_exact_interval():
    at = T(2026, 3, 4, tz="UTC")
    assert AutomationTimetable(interval="1h").infer_manual_data_interval(run_after=at) == DataInterval.exact(at)
