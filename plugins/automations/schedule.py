"""Triggers become Airflow timetables. Cron always runs in UTC, whatever Airflow's default timezone is."""

from __future__ import annotations

from typing import Any, Optional

from .spec import MetricBasedTrigger, NoneTrigger, ScheduledTrigger, Trigger

METRIC_CHECK_INTERVAL = "1h"  # when a MetricBasedTrigger names no override_cron


def timetable(trigger: Trigger, execute_immediately: bool = False) -> Optional[Any]:
    """A timetable object, or None for manual-only automations."""
    from .timetable import AutomationTimetable

    if isinstance(trigger, ScheduledTrigger):
        return AutomationTimetable(trigger.cron or "", trigger.interval or "", execute_immediately)
    if isinstance(trigger, MetricBasedTrigger):
        # Each scheduled run is one check of the metric (steps/metric_trigger.py): override_cron, else hourly.
        cron, interval = (trigger.override_cron, "") if trigger.override_cron else ("", METRIC_CHECK_INTERVAL)
        return AutomationTimetable(cron or "", interval, execute_immediately)
    if isinstance(trigger, NoneTrigger):
        return None
    raise TypeError(f"no timetable for trigger {type(trigger).__name__}")


def describe(trigger: Trigger) -> str:
    """The trigger in words, for the DAG's docs."""
    if isinstance(trigger, ScheduledTrigger) and trigger.cron:
        return f"on cron `{trigger.cron}` (UTC)"
    if isinstance(trigger, ScheduledTrigger):
        return f"every `{trigger.interval}`"
    if isinstance(trigger, MetricBasedTrigger):
        every = f"cron `{trigger.override_cron}` (UTC)" if trigger.override_cron else "hour"
        return (
            f"when `{trigger.metric.sql_query}` is {trigger.direction.value} {trigger.threshold}, "
            f"checked every {every}; after a run, again only once it has recovered"
        )
    return "manually only"
