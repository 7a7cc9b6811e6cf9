"""What a finished run (or failed task) reports: one typed record, built from the Airflow context once.

The message builders read only this record, so they are tested without Airflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Optional
from urllib.parse import quote

ERROR_LIMIT = 1500  # characters of the error kept in a message; the full text is in the task log


class Status(StrEnum):
    success = "SUCCESS"
    failure = "FAILURE"


class Outcome(StrEnum):
    deployed = "deployed"
    not_deployed = "built, not deployed"  # Qwak counts a build that missed the threshold as a success
    failed = "failed"


@dataclass(frozen=True)
class RunReport:
    automation: str
    model_id: str
    run_id: str
    execution_date: str
    run_url: str
    status: Status
    outcome: Outcome
    build_id: Optional[str] = None
    commit: Optional[str] = None
    metrics: Mapping[str, Any] = field(default_factory=dict)
    verdict: str = ""
    endpoint: Optional[str] = None
    failed_task: Optional[str] = None
    error: str = ""
    log_url: str = ""


def run_url(base_url: str, dag_id: str, run_id: str) -> str:
    return f"{base_url.rstrip('/')}/dags/{dag_id}/runs/{quote(run_id)}"


def verdict_text(verdict: Mapping[str, Any], skip_reason: str = "") -> str:
    """The gate's verdict in one line: passed, forced, or why not (skip_deploy's explanation)."""
    if not verdict:
        return "no verdict (the gate did not run)"
    if verdict.get("forced"):
        return "forced by force_deploy (override)"
    if verdict.get("passed"):
        conditions = verdict.get("conditions") or []
        return f"passed ({len(conditions)} condition(s))" if conditions else "passed (no deployment_condition)"
    return f"failed: {skip_reason}" if skip_reason else "failed"


def short_error(exc: Any) -> str:
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc or "")
    return text if len(text) <= ERROR_LIMIT else text[: ERROR_LIMIT - 1] + "…"
