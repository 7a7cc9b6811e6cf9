"""metric_trigger: the first task of a MetricBasedTrigger automation. Run the metric's SQL, compare it with the
threshold, record the check, and decide whether this run goes on to build and deploy.

The automation's own DAG is scheduled at the trigger's ``override_cron`` (UTC) or hourly; every scheduled run is
one check. A check that does not fire short-circuits the run (everything downstream is skipped), so a crossing
starts exactly one build-deploy run. No storms:

- ``max_active_runs=1``: no check, so no second run, while a run is active;
- after a run fired, none fires again until a check has seen the metric recovered (not crossed), when
  ``require_recovery`` (``AUTOMATIONS_METRIC_REQUIRE_RECOVERY``, default true);
- and never within ``min_spacing`` (``AUTOMATIONS_METRIC_MIN_SPACING``, seconds, default 3600) of the last fire.

The SQL runs like the gate's: read-only, with the gate's statement timeout, exactly one row with one numeric column,
or the task fails naming the automation and the query (and records the failed check); nothing downstream starts.
Bind names: ``:automation``, ``:model_id``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional

from ..analytics import MetricCheckRow, RunKey, ThresholdQueryError, TriggerHistory, open_store, run_threshold
from ..analytics.rows import utcnow
from ..spec import MetricBasedTrigger, ThresholdDirection
from ..spec.fields import is_number

if TYPE_CHECKING:
    from ..analytics import AnalyticsStore
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)


class MetricTriggerError(Exception):
    """The metric (or threshold) query failed or returned something other than one number."""


@dataclass(frozen=True)
class TriggerPolicy:
    require_recovery: bool = True
    min_spacing: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Decision:
    value: float
    threshold: float
    crossed: bool
    fire: bool
    reason: str


def decide(
    value: float,
    threshold: float,
    direction: ThresholdDirection,
    history: TriggerHistory,
    now: datetime,
    policy: TriggerPolicy,
) -> Decision:
    """Pure: whether this check fires, and why (or why not), in words for the log and the analytics row."""
    crossed = direction.compare(value, threshold)
    compared = f"value {value:g} {'is' if crossed else 'is not'} {direction.value} ({direction.symbol}) {threshold:g}"
    if not crossed:
        rearmed = history.last_fired_at is not None and not history.recovered_since
        return Decision(
            value,
            threshold,
            False,
            False,
            f"{compared}: not crossed" + ("; recovered, so the trigger is armed again" if rearmed else ""),
        )
    if history.last_fired_at is None:
        return Decision(value, threshold, True, True, f"{compared}: crossed, FIRING (first crossing)")
    since = f"the run fired at {history.last_fired_at.isoformat(timespec='seconds')}"
    if policy.require_recovery and not history.recovered_since:
        return Decision(
            value,
            threshold,
            True,
            False,
            f"{compared}: still crossed since {since}; waiting for it to recover before firing again",
        )
    if now - history.last_fired_at < policy.min_spacing:
        return Decision(
            value,
            threshold,
            True,
            False,
            f"{compared}: crossed, but {since} is within the minimum spacing of {policy.min_spacing}",
        )
    return Decision(value, threshold, True, True, f"{compared}: crossed again after recovering, FIRING")


def policy_of(settings: Settings) -> TriggerPolicy:
    return TriggerPolicy(settings.metric_require_recovery, timedelta(seconds=settings.metric_min_spacing_s))


def check(
    automation: LoadedAutomation, dag_run_id: str, settings: Settings, now: Optional[datetime] = None
) -> Decision:
    """One check: query, decide, record, log. Raises MetricTriggerError (after recording it) on a bad query."""
    trigger = automation.spec.trigger
    assert isinstance(trigger, MetricBasedTrigger)
    store = open_store(settings)
    key = RunKey(automation.name, automation.spec.model_id, dag_run_id)
    try:
        value, threshold = _values(store, automation, trigger, settings)
    except ThresholdQueryError as exc:
        store.record_metric_check(MetricCheckRow(key, None, None, trigger.direction.value, None, False, str(exc)))
        log.error("metric check of %s FAILED, nothing starts: %s", automation.name, exc)
        raise MetricTriggerError(str(exc)) from exc
    decision = decide(
        value,
        threshold,
        trigger.direction,
        store.trigger_history(automation.name),
        now or utcnow(),
        policy_of(settings),
    )
    store.record_metric_check(
        MetricCheckRow(key, value, threshold, trigger.direction.value, decision.crossed, decision.fire, decision.reason)
    )
    log.info("metric check of %s: %s", automation.name, decision.reason)
    return decision


def _values(
    store: AnalyticsStore, automation: LoadedAutomation, trigger: MetricBasedTrigger, settings: Settings
) -> tuple[float, float]:
    label = f"MetricBasedTrigger {trigger.name!r}" if trigger.name else "MetricBasedTrigger"
    who = f"automation {automation.name!r}, {label}"
    binds = {"automation": automation.name, "model_id": automation.spec.model_id}
    timeout = settings.gate_query_timeout_s
    value = run_threshold(store, trigger.metric.sql_query, binds, timeout, who, kind="metric query")
    if is_number(trigger.threshold):
        return value, float(trigger.threshold)
    return value, run_threshold(store, trigger.threshold, binds, timeout, who, kind="threshold query")
