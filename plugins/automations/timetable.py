"""The schedule of every scheduled automation: a cron or an interval slot, in UTC, with Qwak's first-run rule.

Airflow's ``CronTriggerTimetable`` with ``catchup=False`` runs the most recent past slot as soon as a DAG appears
or is unpaused, so a weekly retrain would start the moment its file landed. Qwak's ``execute_immediately: false``
means the opposite, and that is what this timetable does:

- no run yet, ``execute_immediately`` false: the first run is the first slot *after* now (the DAG processor asks
  when the DAG first appears and again on every re-parse, so "now" is "when it appeared" until that slot comes);
- no run yet, ``execute_immediately`` true: one run now; afterwards the slots;
- after a run: the next slot after it, unless that slot passed more than ``GRACE`` ago (the automation was paused,
  or Airflow was down); then the first slot after now, never a catch-up run.

Re-parsing or restarting Airflow cannot start another run: with a run on record, the answer depends only on that
run and the clock. Interval slots are aligned to ``EPOCH`` (``6h`` runs at 00:00, 06:00, ... UTC), so they stay put
across re-parses. Registered with Airflow by ``plugins/automations_plugin.py`` (custom timetables must be).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional, Union

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable
from croniter import croniter
from dateutil.relativedelta import relativedelta

from .spec.fields import parse_interval

EPOCH = pendulum.datetime(2024, 1, 1, tz="UTC")  # the compiler's start_date; interval slots count from here
GRACE = timedelta(minutes=2)  # a slot missed by less than this (a busy scheduler) still runs


def _utc(value: datetime) -> pendulum.DateTime:
    return pendulum.instance(value).in_timezone("UTC")


def _now() -> pendulum.DateTime:
    return pendulum.now("UTC")


class AutomationTimetable(Timetable):
    """Exactly one of ``cron`` (five fields, UTC) or ``interval`` (``30m``, ``6h``, ``daily``, ``P1M`` ...)."""

    def __init__(self, cron: str = "", interval: str = "", execute_immediately: bool = False) -> None:
        if bool(cron) == bool(interval):
            raise ValueError("AutomationTimetable needs exactly one of cron or interval")
        self.cron, self.interval, self.execute_immediately = cron, interval, execute_immediately
        self._delta: Optional[Union[timedelta, relativedelta]] = parse_interval(interval) if interval else None
        every = f"cron `{cron}` (UTC)" if cron else f"every `{interval}` from {EPOCH.isoformat()}"
        first = "runs once at first appearance" if execute_immediately else "first run at the next slot"
        self.description = f"{every}; {first}"

    @property
    def summary(self) -> str:
        return self.cron or self.interval

    def serialize(self) -> dict[str, Any]:
        return {"cron": self.cron, "interval": self.interval, "execute_immediately": self.execute_immediately}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> AutomationTimetable:
        return cls(data.get("cron", ""), data.get("interval", ""), bool(data.get("execute_immediately")))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AutomationTimetable) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((self.cron, self.interval, self.execute_immediately))

    def infer_manual_data_interval(self, *, run_after: pendulum.DateTime) -> DataInterval:
        return DataInterval.exact(run_after)

    def next_dagrun_info(
        self, *, last_automated_data_interval: Optional[DataInterval], restriction: Any
    ) -> Optional[DagRunInfo]:
        now = _now()
        if last_automated_data_interval is None:
            when = now if self.execute_immediately else self.next_slot_after(now)
        else:
            when = self.next_slot_after(_utc(last_automated_data_interval.end))
            if when < now - GRACE:
                when = self.next_slot_after(now)
        if restriction.latest is not None and when > restriction.latest:
            return None
        return DagRunInfo.exact(when)

    def next_slot_after(self, moment: datetime) -> pendulum.DateTime:
        """The first slot strictly after ``moment``."""
        moment = _utc(moment)
        if self.cron:
            return _utc(croniter(self.cron, moment).get_next(datetime))
        return self._next_interval_slot(moment)

    def _next_interval_slot(self, moment: pendulum.DateTime) -> pendulum.DateTime:
        delta = self._delta
        if isinstance(delta, timedelta):
            passed = (moment - EPOCH).total_seconds() // delta.total_seconds()
            return EPOCH + delta * (int(passed) + 1)
        assert delta is not None  # an interval timetable always has one
        slot = EPOCH
        while slot <= moment:  # calendar intervals (months, years): few steps since EPOCH
            slot = _utc(slot + delta)
        return slot
