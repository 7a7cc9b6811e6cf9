"""metric_gate: read what each deployment condition compares against, judge, record every comparison, decide.

Conditions:
- ``BuildMetric``: the metric against a static threshold (a numeric string) or the single number a SQL query
  returns (run read-only with a timeout on the analytics store; bind names in ``analytics.query``).
- ``DeployedBuildMetric``: champion versus challenger, the metric against the same metric of the build currently
  deployed on the model's variation. Before the first deploy it passes when ``settings.first_deploy_passes``.

All conditions must pass; an empty list passes. ``force_deploy`` deploys whatever the conditions say and is
recorded as an override. A condition that cannot be evaluated (missing metric, bad SQL) fails the task, unless
forced. Every comparison lands in ``gate_verdicts`` before the decision is returned or raised.

This module does the reads and the writes; the judgement is pure (``verdict.py``), the table and the skip
sentence are ``gate_report.py``'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, assert_never

from ..analytics import RunKey, ThresholdQueryError, open_store, run_threshold
from ..runs import BuildResult
from ..spec import BuildMetric, Condition, DeployedBuildMetric
from ..spec.fields import is_number
from .verdict import (
    ConditionResult,
    GateError,
    Verdict,
    compared,
    decide,
    first_deploy,
    metric_value,
    unevaluated,
    who,
)

if TYPE_CHECKING:
    from ..analytics import AnalyticsStore
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Context:
    automation: LoadedAutomation
    build: BuildResult
    store: AnalyticsStore
    settings: Settings

    @property
    def model_id(self) -> str:
        return self.automation.spec.model_id


def evaluate(
    automation: LoadedAutomation, build: BuildResult, force_deploy: bool, dag_run_id: str, settings: Settings
) -> Verdict:
    store = open_store(settings)
    ctx = _Context(automation, build, store, settings)
    verdict = decide(
        automation.name,
        build.build_id,
        tuple(_evaluate_one(ctx, c) for c in automation.spec.action.conditions),
        force_deploy,
    )
    record(store, RunKey(automation.name, automation.spec.model_id, dag_run_id, build.build_id), verdict)
    _log_outcome(verdict)
    if verdict.errors and not force_deploy:
        raise GateError("\n".join(verdict.errors))
    return verdict


def record(store: AnalyticsStore, key: RunKey, verdict: Verdict) -> None:
    """Every comparison into ``gate_verdicts``, the override flag with it."""
    store.record_verdicts(key, verdict.rows(), forced=verdict.forced)


def _evaluate_one(ctx: _Context, condition: Condition) -> ConditionResult:
    whose = who(ctx.automation.name, condition)
    try:
        actual = metric_value(ctx.build.metrics, condition.metric_name, whose)
        match condition:
            case BuildMetric():
                return _against_threshold(ctx, condition, actual, whose)
            case DeployedBuildMetric():
                return _against_champion(ctx, condition, actual, whose)
            case _:
                assert_never(condition)
    except (GateError, ThresholdQueryError) as exc:
        return unevaluated(condition, str(exc))


def _against_threshold(ctx: _Context, condition: BuildMetric, actual: float, whose: str) -> ConditionResult:
    if is_number(condition.threshold):
        return compared(condition, actual, float(condition.threshold), "static")
    binds = {
        "automation": ctx.automation.name,
        "model_id": ctx.model_id,
        "variation": ctx.automation.spec.action.deployment_spec.variation_name,
        "metric_name": condition.metric_name,
    }
    threshold = run_threshold(ctx.store, condition.threshold, binds, ctx.settings.gate_query_timeout_s, whose)
    return compared(condition, actual, threshold, "sql")


def _against_champion(ctx: _Context, condition: DeployedBuildMetric, actual: float, whose: str) -> ConditionResult:
    champion = ctx.store.current_deployment(ctx.model_id, condition.variation)
    if champion is None:
        result = first_deploy(condition, actual, ctx.model_id, ctx.settings.first_deploy_passes)
        log.info("%s: %s", ctx.automation.name, result.note)
        return result
    threshold = ctx.store.build_metric(champion, condition.metric_name)
    if threshold is None:
        raise GateError(
            f"{whose}: the deployed build {champion!r} on variation {condition.variation!r} has no "
            f"recorded metric {condition.metric_name!r} to compare with"
        )
    return compared(condition, actual, threshold, f"deployed build {champion}")


def _log_outcome(verdict: Verdict) -> None:
    if not verdict.conditions:
        log.info("%s has no deployment_condition: the gate passes", verdict.automation)
    if verdict.forced:
        banner = "!" * 72
        log.warning(
            "%s\nFORCE_DEPLOY: %s deploys whatever the gate says (conditions %s); recorded as an override\n%s",
            banner,
            verdict.automation,
            "passed" if verdict.conditions_passed else "FAILED",
            banner,
        )
