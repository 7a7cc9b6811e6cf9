"""What a threshold query may be, checked before it runs: one SELECT (or WITH ... SELECT), no side-effect functions.

The transaction is read-only as well (PostgreSQL ``SET TRANSACTION READ ONLY``, SQLite ``query_only`` plus an
authorizer), which stops every write to the database itself: INSERT, UPDATE, DELETE, DDL, ``SELECT ... INTO``,
writable CTEs, ``nextval``. It does not stop what acts outside the transaction: ``COPY ... TO`` a server file, a
large-object export, signalling other sessions, session-level locks, SQLite's ``ATTACH`` creating a file. Those
are refused here by statement type and function name. For full isolation, give the threshold connection a role
that may only SELECT (see the README).
"""

from __future__ import annotations

import re
import sqlite3

# Functions whose effect outlives a rolled-back read-only transaction, or reaches outside the database.
SIDE_EFFECT_FUNCTIONS = (
    "lo_export",
    "lo_import",
    "lo_unlink",
    "lo_from_bytea",
    "lo_put",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_notify",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_promote",
    "pg_logical_emit_message",
    "pg_file_write",
    "dblink",
    "dblink_exec",
    "set_config",
    "load_extension",
    "writefile",
)
_CALL = re.compile(r"\b(" + "|".join(SIDE_EFFECT_FUNCTIONS) + r")\s*\(", re.IGNORECASE)


class NotReadOnly(ValueError):
    """The query is refused before it runs; the message says why."""


def check_read_only(sql: str) -> None:
    import sqlparse

    statements = [s for s in sqlparse.parse(sql) if s.token_first(skip_cm=True) is not None]
    if len(statements) != 1:
        raise NotReadOnly(f"a threshold query must be exactly one statement, got {len(statements)}")
    kind = statements[0].get_type()
    if kind != "SELECT":
        first = statements[0].token_first(skip_cm=True)
        raise NotReadOnly(f"a threshold query must be a SELECT (or WITH ... SELECT), not {first.value.upper()!r}")
    call = _CALL.search(sqlparse.format(sql, strip_comments=True))
    if call:
        raise NotReadOnly(f"a threshold query may not call {call[1]}(), which acts outside the read-only transaction")


# SQLite asks the authorizer about every action of a statement being prepared: only reading is allowed.
_SQLITE_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


def sqlite_authorizer(action: int, arg1: object, arg2: object, db_name: object, trigger: object) -> int:
    return sqlite3.SQLITE_OK if action in _SQLITE_ALLOWED else sqlite3.SQLITE_DENY
