"""The ``builds`` row and ``build_metrics`` rows of a build, written by the build task's callbacks (``tasks.py``).

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
from ..runs import BuildResult

if TYPE_CHECKING:
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)


def record_build_safely(
    automation: LoadedAutomation,
    run_id: str,
    build: Optional[BuildResult],
    clone_commit: Optional[str],
    started: Optional[datetime],
    settings_factory: Callable[[], Settings],
    status: BuildStatus,
) -> None:
    """Write the build's rows; a failed write is logged loudly, never raised (the build's outcome must stand)."""
    try:
        row, metrics = build_row(automation, run_id, build, clone_commit, status, started, utcnow())
        open_store(settings_factory()).record_build(row, metrics, build.params if build else None)
    except Exception:
        log.exception(
            "ANALYTICS WRITE FAILED: the %s build of %s (run %s) is NOT in the analytics store",
            status.value,
            automation.name,
            run_id,
        )
        return
    log.info(
        "recorded %s build %s of %s with %d metric(s)", status.value, row.key.build_id, automation.name, len(metrics)
    )


def build_row(
    automation: LoadedAutomation,
    run_id: str,
    build: Optional[BuildResult],
    clone_commit: Optional[str],
    status: BuildStatus,
    started: Optional[datetime],
    finished: datetime,
) -> tuple[BuildRow, dict[str, float]]:
    """Pure: the ``builds`` row and the metrics to store (no build result when the build failed).

    The row's image is the serving image, set by the deploy; a build records none.
    """
    commit = build.commit if build else clone_commit
    build_id = build.build_id if build else (make_build_id(automation.name, commit, run_id) if commit else None)
    key = RunKey(automation.name, automation.spec.model_id, run_id, build_id)
    artifact, warnings = (build.artifact_uri, tuple(build.warnings)) if build else (None, ())
    row = BuildRow(key, status, commit, None, artifact, started, finished, warnings)
    return row, numeric_metrics(automation.name, build.metrics if build else {})


def numeric_metrics(automation: str, metrics: Mapping[str, Any]) -> dict[str, float]:
    """The metrics a REAL column can hold; anything else is logged and left out rather than crashing the write."""
    kept: dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            log.warning("%s: metric %r = %r is not a finite number and is not recorded", automation, name, value)
            continue
        kept[str(name)] = float(value)
    return kept
