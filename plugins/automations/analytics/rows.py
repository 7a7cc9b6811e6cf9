"""One frozen dataclass per analytics table row: what the steps hand to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Optional


def utcnow() -> datetime:
    return datetime.now(UTC)


class BuildStatus(StrEnum):
    succeeded = "succeeded"
    failed = "failed"


class DeployStatus(StrEnum):
    deployed = "deployed"
    failed = "failed"
    rolled_back = "rolled_back"


@dataclass(frozen=True)
class RunKey:
    """Identifies one automation's DAG run (and its build, once known) in every table."""

    automation: str
    model_id: str
    dag_run_id: str
    build_id: Optional[str] = None


@dataclass(frozen=True)
class BuildRow:
    key: RunKey
    status: BuildStatus
    commit: Optional[str] = None
    image: Optional[str] = None
    artifact: Optional[str] = None
    started: Optional[datetime] = None
    finished: Optional[datetime] = None
    warnings: tuple[str, ...] = ()  # what the install changed (BuildResult.warnings)


@dataclass(frozen=True)
class VerdictRow:
    condition: str
    metric_name: Optional[str]
    actual: Optional[float]
    direction: Optional[str]
    threshold: Optional[float]
    passed: bool
    note: str = ""


@dataclass(frozen=True)
class DeploymentRow:
    key: RunKey
    variation: str
    environment: str
    status: DeployStatus
    target: Optional[str] = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class MetricCheckRow:
    """One check of a MetricBasedTrigger; ``value``/``crossed`` are None when the query failed."""

    key: RunKey
    value: Optional[float]
    threshold: Optional[float]
    direction: str
    crossed: Optional[bool]
    fired: bool
    reason: str
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class TriggerHistory:
    """What the anti-storm rules need: when the trigger last fired, and whether the metric recovered since."""

    last_fired_at: Optional[datetime]
    recovered_since: bool


@dataclass(frozen=True)
class IntegrationRow:
    """A deploy's tests/it/ outcome (runs.IntegrationTests) in the ``integration_tests`` table."""

    key: RunKey
    status: str
    reason: str = ""
    tests: dict[str, int] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)
