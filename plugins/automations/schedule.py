"""Triggers become Airflow timetables. Cron always runs in UTC, whatever Airflow's default timezone is."""

from __future__ import annotations

from typing import Any, Optional, assert_never

from .spec import MetricBasedTrigger, NoneTrigger, ScheduledTrigger, TriggerKind

METRIC_CHECK_INTERVAL = "1h"  # when a MetricBasedTrigger names no override_cron


def timetable(trigger: TriggerKind, execute_immediately: bool = False) -> Optional[Any]:
    """A timetable object, or None for manual-only automations."""
    from .timetable import AutomationTimetable

    match trigger:
        case ScheduledTrigger():
            return AutomationTimetable(trigger.cron or "", trigger.interval or "", execute_immediately)
        case MetricBasedTrigger():
            # Each scheduled run is one check of the metric (steps/metric_trigger.py): override_cron, else hourly.
            cron, interval = (trigger.override_cron, "") if trigger.override_cron else ("", METRIC_CHECK_INTERVAL)
            return AutomationTimetable(cron or "", interval, execute_immediately)
        case NoneTrigger():
            return None
        case _:
            assert_never(trigger)


def describe(trigger: TriggerKind) -> str:
    """The trigger in words, for the DAG's docs."""
    match trigger:
        case ScheduledTrigger(cron=cron) if cron:
            return f"on cron `{cron}` (UTC)"
        case ScheduledTrigger():
            return f"every `{trigger.interval}`"
        case MetricBasedTrigger():
            every = f"cron `{trigger.override_cron}` (UTC)" if trigger.override_cron else "hour"
            return (
                f"when `{trigger.metric.sql_query}` is {trigger.direction.value} {trigger.threshold}, "
                f"checked every {every}; after a run, again only once it has recovered"
            )
        case NoneTrigger():
            return "manually only"
        case _:
            assert_never(trigger)
