"""The gate's verdict, pure and typed: each condition's comparison and the decision, with no store and no I/O.

``steps/gate.py`` reads what a comparison needs (the SQL threshold, the champion's metric) and records the verdict;
``steps/gate_report.py`` shows it. The verdict crosses to ``skip_deploy`` and the run's notifications as XCom
(``runs.VERDICT_KEY``), through ``Verdict.to_xcom()`` and ``Verdict.from_xcom()``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Optional, assert_never

from ..analytics import VerdictRow
from ..spec import BuildMetric, Condition, DeployedBuildMetric
from ..spec.fields import is_number

NO_CONDITIONS = "(no deployment_condition)"
FIRST_DEPLOY = "first deploy"


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
        return VerdictRow(
            self.condition,
            self.metric_name,
            self.actual,
            self.direction,
            self.threshold,
            self.passed,
            self.error or self.note,
        )


_CONDITION_FIELDS = frozenset(f.name for f in fields(ConditionResult))


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

    @property
    def errors(self) -> list[str]:
        return [c.error for c in self.conditions if c.error]

    def rows(self) -> list[VerdictRow]:
        """The ``gate_verdicts`` rows: one per condition, or one saying there was none."""
        return [c.as_row() for c in self.conditions] or [
            VerdictRow(NO_CONDITIONS, None, None, None, None, True, "no deployment_condition: the gate passes")
        ]

    def to_xcom(self) -> dict[str, Any]:
        return {
            "automation": self.automation,
            "build_id": self.build_id,
            "passed": self.passed,
            "forced": self.forced,
            "conditions_passed": self.conditions_passed,
            "conditions": [asdict(c) for c in self.conditions],
        }

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> Verdict:
        """The verdict metric_gate pushed; keys a later version adds are ignored, so an older run still reads."""
        conditions = tuple(
            ConditionResult(**{k: v for k, v in c.items() if k in _CONDITION_FIELDS}) for c in data["conditions"]
        )
        return cls(
            str(data["automation"]), data.get("build_id"), bool(data["passed"]), bool(data["forced"]), conditions
        )


def decide(automation: str, build_id: Optional[str], results: tuple[ConditionResult, ...], forced: bool) -> Verdict:
    """All conditions must pass (an empty list passes); ``forced`` deploys whatever they say."""
    return Verdict(automation, build_id, forced or all(r.passed for r in results), forced, results)


def describe(condition: Condition) -> str:
    """A short label: ``BuildMetric(f1 ABOVE 0.65)``, ``BuildMetric(f1 ABOVE <sql>)``, ``DeployedBuildMetric(...)``."""
    match condition:
        case BuildMetric():
            target = condition.threshold.strip() if is_number(condition.threshold) else "<sql>"
        case DeployedBuildMetric():
            target = f"deployed@{condition.variation}"
        case _:
            assert_never(condition)
    return f"{type(condition).__name__}({condition.metric_name} {condition.direction.value} {target})"


def who(automation: str, condition: Condition) -> str:
    """Whose condition an error is about, for the messages a failed gate shows."""
    return f"automation {automation!r}, condition {describe(condition)}"


def metric_value(metrics: Mapping[str, Any], name: str, who: str) -> float:
    """The build's metric as a finite float; a missing or non-numeric metric is a GateError that says which."""
    if name not in metrics:
        logged = ", ".join(sorted(metrics)) or "none"
        raise GateError(f"{who}: the build logged no metric {name!r} (it logged: {logged})")
    value = metrics[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GateError(f"{who}: the build's metric {name!r} is not a finite number: {value!r}")
    return float(value)


def _result(condition: Condition, actual: Optional[float], threshold: Optional[float], source: str, passed: bool,
            **text: str) -> ConditionResult:
    """The row of one condition: what the condition itself says (text, metric, direction), then its outcome."""
    direction = condition.direction
    return ConditionResult(
        describe(condition), condition.metric_name, direction.value, direction.symbol, actual, threshold, source,
        passed, **text,
    )


def compared(condition: Condition, actual: float, threshold: float, source: str) -> ConditionResult:
    return _result(condition, actual, threshold, source, condition.direction.compare(actual, threshold))


def first_deploy(condition: DeployedBuildMetric, actual: float, model_id: str, passes: bool) -> ConditionResult:
    """Champion versus challenger with no champion yet: ``passes`` (AUTOMATIONS_FIRST_DEPLOY_PASSES) decides."""
    note = (
        f"nothing is deployed on variation {condition.variation!r} of model {model_id!r} "
        f"yet: the first deploy {'passes' if passes else 'fails'} (AUTOMATIONS_FIRST_DEPLOY_PASSES="
        f"{'true' if passes else 'false'})"
    )
    return _result(condition, actual, None, FIRST_DEPLOY, passes, note=note)


def unevaluated(condition: Condition, error: str) -> ConditionResult:
    """A condition that could not be evaluated: it fails, and says why."""
    return _result(condition, None, None, "", False, error=error)
