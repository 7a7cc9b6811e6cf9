"""Which database the analytics store talks to, and the SQLAlchemy engine to reach it, via common-sql hooks.

The ``model_analytics`` Airflow connection (``settings.analytics_conn_id``) decides: any common-sql hook whose
dialect has a schema file here (PostgreSQL in production). When that connection is not defined, the embedded
default is SQLite at ``<state_dir>/analytics.db``, reached through the SQLite provider's hook, and the log says so.

We take the hook's SQLAlchemy engine rather than its ``run()``/``get_records()``: ``text()`` gives one bind
syntax (``:name``) on every driver and escapes ``%`` for pyformat drivers, so a user's threshold query such as
``... LIKE 'a%' AND model_id = :model_id`` means the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ..settings import Settings

log = logging.getLogger(__name__)

EMBEDDED_DB_NAME = "analytics.db"
SQLITE_BUSY_TIMEOUT_S = 30

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


@dataclass(frozen=True)
class AnalyticsTarget:
    """Where the store lives: ``url`` is the SQLAlchemy URL with the password hidden (safe to log)."""

    conn_id: str
    dialect: str
    url: str
    embedded: bool


def embedded_path(settings: Settings) -> Path:
    return settings.state_dir / EMBEDDED_DB_NAME


def _not_found_errors() -> tuple[type[BaseException], ...]:
    # The task SDK and the core each define an AirflowNotFoundException; which one is raised depends on context.
    from airflow.sdk.exceptions import AirflowNotFoundException as SdkNotFound

    try:
        from airflow.exceptions import AirflowNotFoundException as CoreNotFound
    except ImportError:  # pragma: no cover - depends on the Airflow build
        return (SdkNotFound,)
    return (SdkNotFound, CoreNotFound)


def _configured_hook(conn_id: str) -> Any | None:
    """The common-sql hook of the configured connection, or None when the connection is not defined."""
    from airflow.sdk import BaseHook

    try:
        connection = BaseHook.get_connection(conn_id)
    except _not_found_errors():
        return None
    hook = connection.get_hook()
    if not hasattr(hook, "get_sqlalchemy_engine"):
        raise TypeError(f"connection {conn_id!r} has type {connection.conn_type!r}, which is not a common-sql database")
    return hook


def _embedded_hook(settings: Settings) -> Any:
    from airflow.providers.sqlite.hooks.sqlite import SqliteHook

    path = embedded_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)

    class EmbeddedSqliteHook(SqliteHook):
        # SqliteHook.get_uri() looks the connection up by id; the embedded store has no Airflow connection.
        def get_uri(self) -> str:
            return f"sqlite:///{path}"

    return EmbeddedSqliteHook(sqlite_conn_id=f"{settings.analytics_conn_id}_embedded")


def _engine_kwargs(dialect: str) -> dict[str, Any]:
    if dialect == "sqlite":
        # Several task processes may write at once; wait for SQLite's lock instead of failing at once.
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def resolve(settings: Settings) -> tuple[AnalyticsTarget, Engine]:
    """The analytics target and its engine; engines are cached per URL so pools are shared within a process."""
    configured = _configured_hook(settings.analytics_conn_id)
    embedded = configured is None
    hook = _embedded_hook(settings) if configured is None else configured
    url = hook.sqlalchemy_url if _has_sqlalchemy_url(hook) else _url(hook.get_uri())
    dialect = url.get_backend_name()
    key = url.render_as_string(hide_password=False)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = hook.get_sqlalchemy_engine(engine_kwargs=_engine_kwargs(dialect))
            _ENGINES[key] = engine
            if embedded:
                log.info(
                    "analytics connection %r is not defined: using the embedded SQLite store at %s",
                    settings.analytics_conn_id,
                    embedded_path(settings),
                )
    target = AnalyticsTarget(settings.analytics_conn_id, dialect, url.render_as_string(hide_password=True), embedded)
    return target, engine


def _has_sqlalchemy_url(hook: Any) -> bool:
    try:
        hook.sqlalchemy_url  # noqa: B018 - the base class raises NotImplementedError when a hook lacks it
    except NotImplementedError:
        return False
    return True


def _url(uri: str) -> Any:
    from sqlalchemy.engine import make_url

    return make_url(uri)


def dispose_engines() -> None:
    """Close every cached pool (tests, and the CLI before it exits)."""
    with _ENGINES_LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
