"""Triggers become Airflow timetables. Cron always runs in UTC, whatever Airflow's default timezone is."""

from __future__ import annotations

from typing import Any, Optional

from .spec import MetricBasedTrigger, NoneTrigger, ScheduledTrigger, Trigger

UTC = "UTC"


def timetable(trigger: Trigger, execute_immediately: bool = False) -> Optional[Any]:
    """A timetable object, or None for manual-only automations."""
    from .timetable import AutomationTimetable

    if isinstance(trigger, ScheduledTrigger):
        return AutomationTimetable(trigger.cron or "", trigger.interval or "", execute_immediately)
    if isinstance(trigger, (NoneTrigger, MetricBasedTrigger)):
        # Metric-based triggers are validated but not evaluated yet: until then they run on demand only.
        return None
    raise TypeError(f"no timetable for trigger {type(trigger).__name__}")


def describe(trigger: Trigger) -> str:
    """The trigger in words, for the DAG's docs."""
    if isinstance(trigger, ScheduledTrigger) and trigger.cron:
        return f"on cron `{trigger.cron}` (UTC)"
    if isinstance(trigger, ScheduledTrigger):
        return f"every `{trigger.interval}`"
    if isinstance(trigger, MetricBasedTrigger):
        return (
            f"when `{trigger.metric.sql_query}` is {trigger.direction.value} {trigger.threshold} "
            "(metric-based triggers are not evaluated yet: run it manually)"
        )
    return "manually only"
