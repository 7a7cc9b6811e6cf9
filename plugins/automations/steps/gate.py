"""metric_gate: compare the build's metrics with each deployment condition, record every comparison, decide.

Conditions:
- ``BuildMetric``: the metric against a static threshold (a numeric string) or the single number a SQL query
  returns (run read-only with a timeout on the analytics store; bind names in ``analytics.query``).
- ``DeployedBuildMetric``: champion versus challenger, the metric against the same metric of the build currently
  deployed on the model's variation. Before the first deploy it passes when ``settings.first_deploy_passes``.

All conditions must pass; an empty list passes. ``force_deploy`` deploys whatever the conditions say and is
recorded as an override. A condition that cannot be evaluated (missing metric, bad SQL) fails the task, unless
forced. Every comparison lands in ``gate_verdicts`` before the decision is returned or raised.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Optional

from ..analytics import RunKey, ThresholdQueryError, VerdictRow, open_store, run_threshold
from ..runs import BuildResult
from ..spec.fields import is_number

if TYPE_CHECKING:
    from ..analytics import AnalyticsStore
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)

NO_CONDITIONS = "(no deployment_condition)"


class GateError(Exception):
    """A condition could not be evaluated: the gate fails instead of guessing."""


@dataclass(frozen=True)
class ConditionResult:
    condition: str
    metric_name: str
    direction: str
    symbol: str
    actual: Optional[float]
    threshold: Optional[float]
    source: str  # "static", "sql", "deployed build <id>", "first deploy" or "" when it could not be evaluated
    passed: bool
    note: str = ""
    error: str = ""

    def as_row(self) -> VerdictRow:
        return VerdictRow(self.condition, self.metric_name, self.actual, self.direction, self.threshold, self.passed,
                          self.error or self.note)


@dataclass(frozen=True)
class Verdict:
    """``passed`` is the branch decision: every condition passed, or ``forced``."""

    automation: str
    build_id: Optional[str]
    passed: bool
    forced: bool
    conditions: tuple[ConditionResult, ...]

    @property
    def conditions_passed(self) -> bool:
        return all(c.passed for c in self.conditions)

    def as_dict(self) -> dict[str, Any]:
        return {"automation": self.automation, "build_id": self.build_id, "passed": self.passed,
                "forced": self.forced, "conditions_passed": self.conditions_passed,
                "conditions": [asdict(c) for c in self.conditions]}

    def table(self) -> str:
        return render_table(self)


@dataclass(frozen=True)
class _Context:
    automation: LoadedAutomation
    metrics: dict
    store: AnalyticsStore
    settings: Settings

    @property
    def variation(self) -> str:
        return self.automation.spec.action.deployment_spec.variation_name


def evaluate(
    automation: LoadedAutomation, build: BuildResult, force_deploy: bool, dag_run_id: str, settings: Settings
) -> Verdict:
    store = open_store(settings)
    ctx = _Context(automation, build.metrics, store, settings)
    results = tuple(_evaluate_one(ctx, c) for c in automation.spec.action.conditions)
    verdict = Verdict(automation.name, build.build_id, force_deploy or all(r.passed for r in results),
                      force_deploy, results)
    _record(store, automation, dag_run_id, verdict)
    _log_outcome(verdict)
    errors = [r.error for r in results if r.error]
    if errors and not force_deploy:
        raise GateError("\n".join(errors))
    return verdict


def _evaluate_one(ctx: _Context, condition: Any) -> ConditionResult:
    try:
        return _EVALUATORS[type(condition).__name__](ctx, condition)
    except (GateError, ThresholdQueryError) as exc:
        direction = condition.direction
        return ConditionResult(describe(condition), condition.metric_name, direction.value, direction.symbol,
                               None, None, "", False, error=str(exc))


def _build_metric(ctx: _Context, condition: Any) -> ConditionResult:
    who = _who(ctx, condition)
    actual = metric_value(ctx.metrics, condition.metric_name, who)
    if is_number(condition.threshold):
        threshold, source = float(condition.threshold), "static"
    else:
        binds = {"automation": ctx.automation.name, "model_id": ctx.automation.spec.model_id,
                 "variation": ctx.variation, "metric_name": condition.metric_name}
        threshold = run_threshold(ctx.store, condition.threshold, binds, ctx.settings.gate_query_timeout_s, who)
        source = "sql"
    return _compared(condition, actual, threshold, source)


def _deployed_build_metric(ctx: _Context, condition: Any) -> ConditionResult:
    who = _who(ctx, condition)
    actual = metric_value(ctx.metrics, condition.metric_name, who)
    champion = ctx.store.current_deployment(ctx.automation.spec.model_id, condition.variation)
    if champion is None:
        return _first_deploy(ctx, condition, actual)
    threshold = ctx.store.build_metric(champion, condition.metric_name)
    if threshold is None:
        raise GateError(f"{who}: the deployed build {champion!r} on variation {condition.variation!r} has no "
                        f"recorded metric {condition.metric_name!r} to compare with")
    return _compared(condition, actual, threshold, f"deployed build {champion}")


def _first_deploy(ctx: _Context, condition: Any, actual: float) -> ConditionResult:
    passes = ctx.settings.first_deploy_passes
    note = (f"nothing is deployed on variation {condition.variation!r} of model {ctx.automation.spec.model_id!r} "
            f"yet: the first deploy {'passes' if passes else 'fails'} (AUTOMATIONS_FIRST_DEPLOY_PASSES="
            f"{'true' if passes else 'false'})")
    log.info("%s: %s", ctx.automation.name, note)
    direction = condition.direction
    return ConditionResult(describe(condition), condition.metric_name, direction.value, direction.symbol, actual,
                           None, "first deploy", passes, note=note)


_EVALUATORS: dict[str, Callable[[_Context, Any], ConditionResult]] = {
    "BuildMetric": _build_metric,
    "DeployedBuildMetric": _deployed_build_metric,
}


def _compared(condition: Any, actual: float, threshold: float, source: str) -> ConditionResult:
    direction = condition.direction
    return ConditionResult(describe(condition), condition.metric_name, direction.value, direction.symbol, actual,
                           threshold, source, direction.compare(actual, threshold))


def describe(condition: Any) -> str:
    """A short label: ``BuildMetric(f1 ABOVE 0.65)``, ``BuildMetric(f1 ABOVE <sql>)``, ``DeployedBuildMetric(...)``."""
    name = type(condition).__name__
    if name == "BuildMetric":
        target = condition.threshold.strip() if is_number(condition.threshold) else "<sql>"
    else:
        target = f"deployed@{condition.variation}"
    return f"{name}({condition.metric_name} {condition.direction.value} {target})"


def metric_value(metrics: dict, name: str, who: str) -> float:
    """The build's metric as a finite float; a missing or non-numeric metric is a GateError that says which."""
    if name not in metrics:
        logged = ", ".join(sorted(metrics)) or "none"
        raise GateError(f"{who}: the build logged no metric {name!r} (it logged: {logged})")
    value = metrics[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GateError(f"{who}: the build's metric {name!r} is not a finite number: {value!r}")
    return float(value)


def _who(ctx: _Context, condition: Any) -> str:
    return f"automation {ctx.automation.name!r}, condition {describe(condition)}"


def _record(store: AnalyticsStore, automation: LoadedAutomation, dag_run_id: str, verdict: Verdict) -> None:
    rows = [c.as_row() for c in verdict.conditions] or [
        VerdictRow(NO_CONDITIONS, None, None, None, None, True, "no deployment_condition: the gate passes")
    ]
    key = RunKey(automation.name, automation.spec.model_id, dag_run_id, verdict.build_id)
    store.record_verdicts(key, rows, forced=verdict.forced)


def _log_outcome(verdict: Verdict) -> None:
    if not verdict.conditions:
        log.info("%s has no deployment_condition: the gate passes", verdict.automation)
    if verdict.forced:
        banner = "!" * 72
        log.warning("%s\nFORCE_DEPLOY: %s deploys whatever the gate says (conditions %s); recorded as an override\n%s",
                    banner, verdict.automation, "passed" if verdict.conditions_passed else "FAILED", banner)


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.6g}"


def render_table(verdict: Verdict) -> str:
    header = ("condition", "metric", "actual", "direction", "threshold", "passed")
    rows = [(c.condition, c.metric_name, _fmt(c.actual), c.direction, _threshold_cell(c), _passed_cell(c))
            for c in verdict.conditions] or [(NO_CONDITIONS, "-", "-", "-", "-", "yes")]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = [_line(row, widths) for row in (header, *rows)]
    lines.insert(1, "  ".join("-" * w for w in widths))
    outcome = "DEPLOY" if verdict.passed else "SKIP DEPLOY"
    lines.append(f"verdict: {outcome}" + (" (forced by force_deploy: override)" if verdict.forced else ""))
    return "\n".join(lines)


def _line(row: tuple, widths: list[int]) -> str:
    return "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()


def _threshold_cell(result: ConditionResult) -> str:
    if result.threshold is None:
        return result.source or "-"
    return f"{_fmt(result.threshold)} ({result.source})"


def _passed_cell(result: ConditionResult) -> str:
    if result.error:
        return "ERROR"
    return "yes" if result.passed else "no"


def explain_skip(verdict: dict) -> str:
    """The sentence skip_deploy logs: which metric missed which threshold in which direction, and by how much."""
    if not verdict:
        return "metric_gate pushed no verdict, so there is nothing to explain"
    failed = [c for c in verdict.get("conditions", []) if not c.get("passed")]
    if not failed:
        return "every deployment condition passed; skip_deploy should not have run"
    return "; ".join(_explain_one(c) for c in failed)


def _explain_one(c: dict) -> str:
    if c.get("error"):
        return f"{c['condition']} could not be evaluated: {c['error']}"
    wanted = f"{c['direction']} ({c['symbol']})"
    if c.get("threshold") is None:
        return f"{c['metric_name']} = {_fmt(c.get('actual'))} was not compared: {c.get('note') or 'no threshold'}"
    return (f"{c['metric_name']} = {_fmt(c['actual'])} is not {wanted} the threshold {_fmt(c['threshold'])} "
            f"({c['source']})")
