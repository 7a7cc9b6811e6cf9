"""The analytics store: writes for builds, metrics, verdicts and deployments, and the reads the gate needs.

The tables are defined once in tables.py; writes and the gate's reads are SQLAlchemy Core statements on them. The
only other dialect differences live in ``query.py``'s read-only guards.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import tables as t
from .connection import AnalyticsTarget, resolve
from .retry import retrying_write
from .rows import BuildRow, DeploymentRow, IntegrationRow, MetricCheckRow, RunKey, TriggerHistory, VerdictRow, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.sql import Executable

    from ..settings import Settings

log = logging.getLogger(__name__)

_SCHEMA_READY: set[str] = set()
_SCHEMA_LOCK = threading.Lock()
# Two processes creating the embedded SQLite schema at once: both may see a table missing, and the second CREATE
# then fails with "already exists". A fresh pass sees what the other one made.
_SCHEMA_ATTEMPTS = 3


def _last_fired(automation: str) -> Executable:
    c = t.metric_checks.c
    return select(c.id, c.at).where(c.automation == automation, c.fired.is_(True)).order_by(c.id.desc()).limit(1)


def _recoveries_since(automation: str, since: int) -> Executable:
    c = t.metric_checks.c
    return select(func.count()).where(c.automation == automation, c.id > since, c.crossed.is_(False))


def _current_deployment(model_id: str, variation: str) -> Executable:
    # The champion is the build of the latest successful deployment on that model's variation; failed and
    # rolled-back rows never replace it, because the previous version kept serving.
    c = t.deployments.c
    return (
        select(c.build_id, c.at)
        .where(c.model_id == model_id, c.variation == variation, c.status == "deployed")
        .order_by(c.id.desc())
        .limit(1)
    )


def _metric_of_build(build_id: str, metric_name: str) -> Executable:
    c = t.build_metrics.c
    return select(c.value).where(c.build_id == build_id, c.metric_name == metric_name).order_by(c.id.desc()).limit(1)


class AnalyticsStore:
    """One database; every public method is its own transaction, so a failed write leaves nothing half-done."""

    def __init__(self, target: AnalyticsTarget, engine: Engine, write_retry_s: float):
        self.target = target
        self.engine = engine
        self.write_retry_s = write_retry_s  # how long a write retries a lost connection (retry.py)

    @retrying_write
    def ensure_schema(self, force: bool = False) -> None:
        """Create the tables if missing; once per process and database unless ``force``."""
        t.check_dialect(self.target.dialect)
        with _SCHEMA_LOCK:
            if self.target.url in _SCHEMA_READY and not force:
                return
            for attempt in range(1, _SCHEMA_ATTEMPTS + 1):
                try:
                    with self.engine.begin() as conn:
                        t.create_schema(conn)
                    break
                except (OperationalError, ProgrammingError) as exc:
                    if "already exists" not in str(exc.orig) or attempt == _SCHEMA_ATTEMPTS:
                        raise
                    log.info("analytics schema: another process created part of it first; checking again")
            _SCHEMA_READY.add(self.target.url)

    @retrying_write
    def record_build(
        self, row: BuildRow, metrics: Mapping[str, float] | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        values = {
            **_key(row.key),
            "status": row.status.value,
            "commit": row.commit,
            "image": row.image,
            "artifact": row.artifact,
            "started": row.started,
            "finished": row.finished,
            "warnings": json.dumps(list(row.warnings)) if row.warnings else None,
        }
        logged_at = row.finished or utcnow()
        metric_rows = [
            {**_key(row.key), "commit": row.commit, "metric_name": name, "value": float(value), "logged_at": logged_at}
            for name, value in (metrics or {}).items()
        ]
        param_rows = [
            {
                **_key(row.key),
                "commit": row.commit,
                "param_name": str(name),
                "value": json.dumps(value),
                "logged_at": logged_at,
            }
            for name, value in (params or {}).items()
        ]
        with self._begin() as conn:
            conn.execute(insert(t.builds), values)
            if metric_rows:
                conn.execute(insert(t.build_metrics), metric_rows)
            if param_rows:
                conn.execute(insert(t.build_params), param_rows)

    @retrying_write
    def record_verdicts(self, key: RunKey, rows: Iterable[VerdictRow], forced: bool) -> None:
        at = utcnow()
        values = [{**_key(key), **_verdict(row), "forced": forced, "at": at} for row in rows]
        if values:
            with self._begin() as conn:
                conn.execute(insert(t.gate_verdicts), values)

    @retrying_write
    def record_deployments(self, rows: Iterable[DeploymentRow], dag_run_id: str) -> None:
        values = [
            {
                **_key(row.key),
                "variation": row.variation,
                "environment": row.environment,
                "target": row.target,
                "status": row.status.value,
                "dag_run_id": dag_run_id,
                "at": row.at,
            }
            for row in rows
        ]
        if values:
            with self._begin() as conn:
                conn.execute(insert(t.deployments), values)

    @retrying_write
    def record_integration_tests(self, row: IntegrationRow) -> None:
        counts = {k: row.tests.get(k) for k in ("passed", "failed", "skipped")}
        values = {**_key(row.key), "status": row.status, "reason": row.reason, **counts, "at": row.at}
        with self._begin() as conn:
            conn.execute(insert(t.integration_tests), values)

    @retrying_write
    def record_metric_check(self, row: MetricCheckRow) -> None:
        values = {
            "automation": row.key.automation,
            "model_id": row.key.model_id,
            "dag_run_id": row.key.dag_run_id,
            "at": row.at,
            "value": row.value,
            "threshold": row.threshold,
            "direction": row.direction,
            "crossed": row.crossed,
            "fired": row.fired,
            "reason": row.reason,
        }
        with self._begin() as conn:
            conn.execute(insert(t.metric_checks), values)

    def trigger_history(self, automation: str) -> TriggerHistory:
        """When ``automation``'s metric trigger last fired, and whether a check since then found it recovered."""
        fired = self._first(_last_fired(automation))
        if fired is None:
            return TriggerHistory(None, True)
        recoveries = self._first(_recoveries_since(automation, fired[0]))
        at = fired[1] if isinstance(fired[1], datetime) else datetime.fromisoformat(fired[1])
        return TriggerHistory(at, bool(recoveries and recoveries[0]))

    @retrying_write
    def set_build_image(self, build_id: str, image: str) -> None:
        with self._begin() as conn:
            conn.execute(update(t.builds).where(t.builds.c.build_id == build_id).values(image=image))

    def current_deployment(self, model_id: str, variation: str) -> Optional[str]:
        """The build_id deployed on ``model_id``'s ``variation`` (any environment), or None before the first."""
        row = self._first(_current_deployment(model_id, variation))
        return None if row is None else row[0]

    def build_metric(self, build_id: str, metric_name: str) -> Optional[float]:
        row = self._first(_metric_of_build(build_id, metric_name))
        return None if row is None else float(row[0])

    def fetch(self, sql: str | Executable, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Rows of a read query (tests, the CLI); not for user SQL, which goes through query.run_threshold."""
        self.ensure_schema()
        statement = text(sql) if isinstance(sql, str) else sql
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(statement, dict(params or {}))]

    def _first(self, statement: Executable) -> Optional[tuple]:
        rows = self.fetch(statement)
        return rows[0] if rows else None

    def _begin(self) -> Any:
        self.ensure_schema()
        return self.engine.begin()


def _key(key: RunKey) -> dict[str, Any]:
    return {
        "automation": key.automation,
        "model_id": key.model_id,
        "dag_run_id": key.dag_run_id,
        "build_id": key.build_id,
    }


def _verdict(row: VerdictRow) -> dict[str, Any]:
    return {
        "condition": row.condition,
        "metric_name": row.metric_name,
        "actual": row.actual,
        "direction": row.direction,
        "threshold": row.threshold,
        "passed": row.passed,
        "note": row.note,
    }


def open_store(settings: Settings, write_retry_s: Optional[float] = None) -> AnalyticsStore:
    """The store behind ``settings.analytics_conn_id`` (or the embedded SQLite), schema created when first needed.

    ``write_retry_s`` overrides the settings' retry window for callers that must not wait it out (a page)."""
    target, engine = resolve(settings)
    retry_s = settings.analytics_write_retry_s if write_retry_s is None else write_retry_s
    store = AnalyticsStore(target, engine, retry_s)
    store.ensure_schema()
    return store
