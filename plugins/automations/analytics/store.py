"""The analytics store: writes for builds, metrics, verdicts and deployments, and the reads the gate needs.

Every statement is dialect-neutral SQL with ``:name`` binds (see connection.py for why); the only dialect
differences live in ``schema/<dialect>.sql`` and in ``query.py``'s read-only guards.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any, Optional

from .connection import AnalyticsTarget, resolve
from .retry import retrying_write
from .rows import BuildRow, DeploymentRow, MetricCheckRow, RunKey, TriggerHistory, VerdictRow, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from ..settings import Settings

log = logging.getLogger(__name__)

SUPPORTED_DIALECTS = ("postgresql", "sqlite")
_SCHEMA_READY: set[str] = set()
_SCHEMA_LOCK = threading.Lock()

_INSERT_BUILD = """INSERT INTO builds (automation, model_id, dag_run_id, build_id, status, "commit", image, artifact,
    started, finished) VALUES (:automation, :model_id, :dag_run_id, :build_id, :status, :commit, :image, :artifact,
    :started, :finished)"""
_INSERT_METRIC = """INSERT INTO build_metrics (automation, model_id, dag_run_id, build_id, "commit", metric_name, value,
    logged_at) VALUES (:automation, :model_id, :dag_run_id, :build_id, :commit, :metric_name, :value, :logged_at)"""
_INSERT_VERDICT = """INSERT INTO gate_verdicts (automation, model_id, dag_run_id, build_id, "condition", metric_name,
    actual, direction, threshold, passed, forced, note, "at") VALUES (:automation, :model_id, :dag_run_id, :build_id,
    :condition, :metric_name, :actual, :direction, :threshold, :passed, :forced, :note, :at)"""
_INSERT_DEPLOYMENT = """INSERT INTO deployments (automation, model_id, variation, environment, build_id, target, status,
    dag_run_id, "at") VALUES (:automation, :model_id, :variation, :environment, :build_id, :target, :status,
    :dag_run_id, :at)"""
_INSERT_CHECK = """INSERT INTO metric_checks (automation, model_id, dag_run_id, "at", value, threshold, direction,
    crossed, fired, reason) VALUES (:automation, :model_id, :dag_run_id, :at, :value, :threshold, :direction, :crossed,
    :fired, :reason)"""
_LAST_FIRED = """SELECT id, "at" FROM metric_checks WHERE automation = :automation AND fired = :yes
    ORDER BY id DESC LIMIT 1"""
_RECOVERIES_SINCE = """SELECT count(*) FROM metric_checks WHERE automation = :automation AND id > :since
    AND crossed = :no"""
# The champion is the build of the latest successful deployment on that model's variation; failed and
# rolled-back rows never replace it, because the previous version kept serving.
_CURRENT_DEPLOYMENT = """SELECT build_id, "at" FROM deployments
    WHERE model_id = :model_id AND variation = :variation AND status = 'deployed'
    ORDER BY id DESC LIMIT 1"""
_METRIC_OF_BUILD = """SELECT value FROM build_metrics WHERE build_id = :build_id AND metric_name = :metric_name
    ORDER BY id DESC LIMIT 1"""


_CREATED = re.compile(r"^CREATE\s+(?:TABLE|INDEX)\s+IF\s+NOT\s+EXISTS\s+(\w+)", re.IGNORECASE)


def _created_names(statements: list[str]) -> set[str]:
    return {m.group(1) for m in (_CREATED.match(s) for s in statements) if m}


def _expanding(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


def schema_sql(dialect: str) -> list[str]:
    """The statements of ``schema/<dialect>.sql``, in order."""
    if dialect not in SUPPORTED_DIALECTS:
        raise ValueError(f"the analytics store supports {', '.join(SUPPORTED_DIALECTS)}, not {dialect!r}")
    text = resources.files(__package__).joinpath("schema", f"{dialect}.sql").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


class AnalyticsStore:
    """One database; every public method is its own transaction, so a failed write leaves nothing half-done."""

    def __init__(self, target: AnalyticsTarget, engine: Engine):
        self.target = target
        self.engine = engine

    @retrying_write
    def ensure_schema(self, force: bool = False) -> None:
        """Create the tables if missing; once per process and database unless ``force``."""
        with _SCHEMA_LOCK:
            if self.target.url in _SCHEMA_READY and not force:
                return
            self._run_all(schema_sql(self.target.dialect))
            _SCHEMA_READY.add(self.target.url)

    @retrying_write
    def record_build(self, row: BuildRow, metrics: Mapping[str, float] | None = None) -> None:
        params = {**_key(row.key), "status": row.status.value, "commit": row.commit, "image": row.image,
                  "artifact": row.artifact, "started": self._ts(row.started), "finished": self._ts(row.finished)}
        logged_at = self._ts(row.finished or utcnow())
        metric_rows = [
            {**_key(row.key), "commit": row.commit, "metric_name": name, "value": float(value), "logged_at": logged_at}
            for name, value in (metrics or {}).items()
        ]
        with self._begin() as conn:
            conn.execute(_text(_INSERT_BUILD), params)
            if metric_rows:
                conn.execute(_text(_INSERT_METRIC), metric_rows)

    @retrying_write
    def record_verdicts(self, key: RunKey, rows: Iterable[VerdictRow], forced: bool) -> None:
        at = self._ts(utcnow())
        params = [{**_key(key), **_verdict(row), "forced": forced, "at": at} for row in rows]
        if params:
            with self._begin() as conn:
                conn.execute(_text(_INSERT_VERDICT), params)

    @retrying_write
    def record_deployments(self, rows: Iterable[DeploymentRow], dag_run_id: str) -> None:
        params = [
            {**_key(row.key), "variation": row.variation, "environment": row.environment, "target": row.target,
             "status": row.status.value, "dag_run_id": dag_run_id, "at": self._ts(row.at)}
            for row in rows
        ]
        if params:
            with self._begin() as conn:
                conn.execute(_text(_INSERT_DEPLOYMENT), params)

    @retrying_write
    def record_metric_check(self, row: MetricCheckRow) -> None:
        params = {"automation": row.key.automation, "model_id": row.key.model_id, "dag_run_id": row.key.dag_run_id,
                  "at": self._ts(row.at), "value": row.value, "threshold": row.threshold, "direction": row.direction,
                  "crossed": row.crossed, "fired": row.fired, "reason": row.reason}
        with self._begin() as conn:
            conn.execute(_text(_INSERT_CHECK), params)

    def trigger_history(self, automation: str) -> TriggerHistory:
        """When ``automation``'s metric trigger last fired, and whether a check since then found it recovered."""
        fired = self._first(_LAST_FIRED, {"automation": automation, "yes": True})
        if fired is None:
            return TriggerHistory(None, True)
        recoveries = self._first(_RECOVERIES_SINCE, {"automation": automation, "since": fired[0], "no": False})
        at = fired[1] if isinstance(fired[1], datetime) else datetime.fromisoformat(fired[1])
        return TriggerHistory(at, bool(recoveries and recoveries[0]))

    @retrying_write
    def set_build_image(self, build_id: str, image: str) -> None:
        with self._begin() as conn:
            conn.execute(_text("UPDATE builds SET image = :image WHERE build_id = :build_id"),
                         {"image": image, "build_id": build_id})

    def current_deployment(self, model_id: str, variation: str) -> Optional[str]:
        """The build_id deployed on ``model_id``'s ``variation`` (any environment), or None before the first."""
        row = self._first(_CURRENT_DEPLOYMENT, {"model_id": model_id, "variation": variation})
        return None if row is None else row[0]

    def build_metric(self, build_id: str, metric_name: str) -> Optional[float]:
        row = self._first(_METRIC_OF_BUILD, {"build_id": build_id, "metric_name": metric_name})
        return None if row is None else float(row[0])

    def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Rows of a read query (tests, the CLI); not for user SQL, which goes through query.run_threshold."""
        self.ensure_schema()
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(_text(sql), dict(params or {}))]

    def _first(self, sql: str, params: Mapping[str, Any]) -> Optional[tuple]:
        rows = self.fetch(sql, params)
        return rows[0] if rows else None

    def _run_all(self, statements: list[str]) -> None:
        # Locks first (the PostgreSQL advisory lock), then DDL only if something is missing. Re-running the
        # CREATE ... IF NOT EXISTS statements on a complete schema is not free on PostgreSQL: CREATE INDEX takes a
        # SHARE lock on its table even when the index exists, which deadlocked with another worker's writes.
        locks = [s for s in statements if s.upper().startswith("SELECT")]
        ddl = [s for s in statements if s not in locks]
        with self.engine.begin() as conn:
            for statement in locks:
                conn.exec_driver_sql(statement)
            if self._schema_complete(conn, ddl):
                return
            for statement in ddl:
                conn.exec_driver_sql(statement)

    def _schema_complete(self, conn: Connection, ddl: list[str]) -> bool:
        if self.target.dialect != "postgresql":
            return False  # SQLite serialises writers on the whole file: re-running the DDL cannot deadlock
        names = sorted(_created_names(ddl))
        query = _text("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = current_schema() AND c.relname IN :names").bindparams(
            _expanding("names"))
        return conn.execute(query, {"names": names}).scalar_one() == len(names)

    def _begin(self) -> Any:
        self.ensure_schema()
        return self.engine.begin()

    def _ts(self, value: Optional[datetime]) -> Any:
        # SQLite has no timestamp type: ISO-8601 text sorts and reads back unambiguously.
        if value is None or self.target.dialect != "sqlite":
            return value
        return value.isoformat()


def _text(sql: str) -> Any:
    from sqlalchemy import text

    return text(sql)


def _key(key: RunKey) -> dict[str, Any]:
    return {"automation": key.automation, "model_id": key.model_id, "dag_run_id": key.dag_run_id,
            "build_id": key.build_id}


def _verdict(row: VerdictRow) -> dict[str, Any]:
    return {"condition": row.condition, "metric_name": row.metric_name, "actual": row.actual,
            "direction": row.direction, "threshold": row.threshold, "passed": row.passed, "note": row.note}


def open_store(settings: Settings) -> AnalyticsStore:
    """The store behind ``settings.analytics_conn_id`` (or the embedded SQLite), schema created when first needed."""
    target, engine = resolve(settings)
    store = AnalyticsStore(target, engine)
    store.ensure_schema()
    return store
