"""Airflow callbacks on the ``build`` task that write its ``builds`` row and its ``build_metrics`` rows.

They run whether the build succeeded or failed, so the history holds failures too. A failed write never fails
silently: it is logged at ERROR with its traceback under "ANALYTICS WRITE FAILED". It is not re-raised, because
Airflow would only log it again and the build's own outcome must stand. A build attempt that will be retried
calls neither callback (Airflow runs on_retry_callback then); only its final attempt is recorded.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from ..analytics import BuildRow, BuildStatus, RunKey, open_store
from ..analytics.rows import utcnow
from ..ids import build_id as make_build_id

if TYPE_CHECKING:
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)

Callback = Callable[[Mapping[str, Any]], None]


def build_callbacks(
    automation: LoadedAutomation, settings_factory: Callable[[], Settings]
) -> tuple[Callback, Callback]:
    """``(on_success, on_failure)`` for the build task; ``settings_factory`` is called at run time, not parse time."""

    def on_success(context: Mapping[str, Any]) -> None:
        _record_safely(automation, context, settings_factory, BuildStatus.succeeded)

    def on_failure(context: Mapping[str, Any]) -> None:
        _record_safely(automation, context, settings_factory, BuildStatus.failed)

    return on_success, on_failure


def _record_safely(automation: LoadedAutomation, context: Mapping[str, Any], settings_factory: Callable[[], Settings],
                   status: BuildStatus) -> None:
    try:
        record_build(automation, context, settings_factory(), status)
    except Exception:
        log.exception("ANALYTICS WRITE FAILED: the %s build of %s (run %s) is NOT in the analytics store",
                      status.value, automation.name, context.get("run_id"))


def record_build(automation: LoadedAutomation, context: Mapping[str, Any], settings: Settings,
                 status: BuildStatus) -> BuildRow:
    ti = context["ti"]
    build = (ti.xcom_pull(task_ids="build") or {}) if status is BuildStatus.succeeded else {}
    clone = ti.xcom_pull(task_ids="clone") or {}
    row, metrics = build_row(automation, _run_id(context), build, clone, status,
                             getattr(ti, "start_date", None), utcnow())
    open_store(settings).record_build(row, metrics)
    log.info("recorded %s build %s of %s with %d metric(s)", status.value, row.key.build_id, automation.name,
             len(metrics))
    return row


def _run_id(context: Mapping[str, Any]) -> str:
    run_id = context.get("run_id")
    if run_id is None and context.get("dag_run") is not None:
        run_id = context["dag_run"].run_id
    return str(run_id)


def build_row(automation: LoadedAutomation, run_id: str, build: dict, clone: dict, status: BuildStatus,
              started: Optional[datetime], finished: datetime) -> tuple[BuildRow, dict[str, float]]:
    """Pure: the ``builds`` row and the metrics to store from the build and clone XComs (either may be empty)."""
    commit = build.get("commit") or clone.get("commit")
    build_id = build.get("build_id") or (make_build_id(automation.name, commit, run_id) if commit else None)
    key = RunKey(automation.name, automation.spec.model_id, run_id, build_id)
    row = BuildRow(key, status, commit, build.get("image"), build.get("artifact_uri"), started, finished)
    return row, numeric_metrics(automation.name, build.get("metrics") or {})


def numeric_metrics(automation: str, metrics: Mapping[str, Any]) -> dict[str, float]:
    """The metrics a REAL column can hold; anything else is logged and left out rather than crashing the write."""
    kept: dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            log.warning("%s: metric %r = %r is not a finite number and is not recorded", automation, name, value)
            continue
        kept[str(name)] = float(value)
    return kept
