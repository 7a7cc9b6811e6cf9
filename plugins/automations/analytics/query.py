"""Run a user's SQL threshold query safely: read-only, with a statement timeout, exactly one numeric value.

Bind parameters a threshold query may use (SQLAlchemy ``:name`` style, on every database):

``:automation``   the automation's name (its dag_id)
``:model_id``     the automation's model_id
``:variation``    the deployment variation (``deployment_spec.variation_name``, "default" unless set)
``:metric_name``  the metric the condition compares

Example: ``SELECT avg(value) FROM build_metrics WHERE model_id = :model_id AND metric_name = :metric_name``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .readonly_sql import check_read_only, sqlite_authorizer

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from .store import AnalyticsStore

BIND_NAMES = ("automation", "model_id", "variation", "metric_name")
_MAX_ROWS_REPORTED = 1000


class ThresholdQueryError(Exception):
    """The threshold query failed or did not return exactly one row with one numeric column."""


@contextmanager
def _postgresql_guard(conn: Connection, timeout_s: float) -> Iterator[None]:
    # SET LOCAL lasts until the end of this transaction, which we always roll back.
    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
    yield


@contextmanager
def _sqlite_guard(conn: Connection, timeout_s: float) -> Iterator[None]:
    # SQLite has neither read-only transactions nor statement_timeout: query_only refuses writes, and the
    # progress handler interrupts the statement past the deadline. Both are undone: the connection is pooled.
    raw: Any = conn.connection.driver_connection  # the sqlite3.Connection under SQLAlchemy's pool proxy
    deadline = time.monotonic() + timeout_s
    conn.exec_driver_sql("PRAGMA query_only = ON")
    raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    raw.set_authorizer(sqlite_authorizer)  # refuses ATTACH, PRAGMA and every write while the query is prepared
    try:
        yield
    finally:
        raw.set_authorizer(None)
        raw.set_progress_handler(None, 0)
        conn.exec_driver_sql("PRAGMA query_only = OFF")


_GUARDS: dict[str, Callable[[Connection, float], Any]] = {"postgresql": _postgresql_guard, "sqlite": _sqlite_guard}


def fetch_guarded(store: AnalyticsStore, sql: str, params: Mapping[str, Any], timeout_s: float) -> tuple[list, list]:
    """(column names, up to 1001 rows) of ``sql`` run read-only with a timeout; the transaction is rolled back."""
    from sqlalchemy import text

    guard = _GUARDS[store.target.dialect]
    check_read_only(sql)
    with store.engine.connect() as conn:
        try:
            with guard(conn, timeout_s):
                result = conn.execute(text(sql), dict(params))
                columns = list(result.keys()) if result.returns_rows else []
                rows = [tuple(r) for r in result.fetchmany(_MAX_ROWS_REPORTED + 1)] if result.returns_rows else []
        finally:
            conn.rollback()
    return columns, rows


def run_threshold(
    store: AnalyticsStore,
    sql: str,
    params: Mapping[str, Any],
    timeout_s: float,
    who: str,
    kind: str = "threshold query",
) -> float:
    """The single numeric value ``sql`` returns; ``who`` names the automation and condition in errors, ``kind`` the
    query's role ("threshold query", or "metric query" for a MetricBasedTrigger)."""
    started = time.monotonic()
    try:
        columns, rows = fetch_guarded(store, sql, params, timeout_s)
    except Exception as exc:  # the driver's own error class varies by database; the message is what matters
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if time.monotonic() - started >= timeout_s:
            reason += f"; the statement timeout is {timeout_s:g}s"
        failure = f"{type(exc).__name__}: {reason}"
        raise ThresholdQueryError(f"{who}: {kind} failed ({failure}). Query: {sql!r}") from exc
    problem = shape_problem(columns, rows)
    if problem:
        raise ThresholdQueryError(
            f"{who}: {kind} must return exactly one row with one numeric column, but {problem}. Query: {sql!r}"
        )
    return float(rows[0][0])


def shape_problem(columns: list, rows: list) -> str:
    """Why a result is not one row with one numeric column ("" when it is); pure, so it is tested directly."""
    if not columns:
        return "it returned no result set"
    if not rows:
        return "it returned 0 rows"
    if len(rows) > 1:
        count = f"more than {_MAX_ROWS_REPORTED}" if len(rows) > _MAX_ROWS_REPORTED else str(len(rows))
        return f"it returned {count} rows"
    if len(columns) != 1:
        return f"it returned {len(columns)} columns ({', '.join(map(str, columns))})"
    return value_problem(rows[0][0])


def value_problem(value: Any) -> str:
    if value is None:
        return "it returned NULL"
    if isinstance(value, bool):
        return f"it returned a boolean ({value})"
    if isinstance(value, (int, float, Decimal)):
        return "" if math.isfinite(float(value)) else f"it returned a non-finite number ({value})"
    if isinstance(value, str):
        return f"it returned text ({value!r})"
    return f"it returned a {type(value).__name__} ({value!r})"
