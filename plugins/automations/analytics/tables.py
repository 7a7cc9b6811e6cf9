"""The analytics store's tables, written once as SQLAlchemy Core ``Table`` objects for PostgreSQL and SQLite.

``create_schema`` makes a database match them: ``metadata.create_all(checkfirst=True)`` creates missing tables
with their indexes, and ``_upgrade`` adds what ``create_all`` leaves out on a table that already exists (an index
or a nullable column added to a definition here after the database was first created). On a complete database it
only reads the catalog and issues no DDL.

The dialect differences are types only: SQLite has no timestamp or boolean type, so timestamps are ISO-8601 text
(it sorts and reads back unambiguously) and booleans 0/1 integers, as the databases created before this module
hold them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateColumn
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect

SUPPORTED_DIALECTS = ("postgresql", "sqlite")
# Serialises concurrent first runs on PostgreSQL: two workers creating the same table at the same instant can
# still collide on the catalog (duplicate pg_type) even when each checked first.
ADVISORY_LOCK_KEY = 727465917


class Timestamp(TypeDecorator[datetime]):
    """TIMESTAMP WITH TIME ZONE on PostgreSQL; ISO-8601 text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return value.isoformat()


_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite only auto-numbers an INTEGER PRIMARY KEY
_FLOAT: Any = Double().with_variant(sqlite.REAL(), "sqlite")
_BOOL = Boolean().with_variant(Integer(), "sqlite")

# Every table has sqlite_autoincrement: ids are never reused, as in the databases created before this module.
metadata = MetaData()


def _id() -> Column:
    return Column("id", _ID, primary_key=True, autoincrement=True)


def _run_key(build_id_nullable: bool = True) -> list[Column]:
    return [
        Column("automation", Text, nullable=False),
        Column("model_id", Text, nullable=False),
        Column("dag_run_id", Text, nullable=False),
        Column("build_id", Text, nullable=build_id_nullable),
    ]


builds = Table(
    "builds",
    metadata,
    _id(),
    *_run_key(),
    Column("status", Text, nullable=False),
    Column("commit", Text),
    Column("image", Text),
    Column("artifact", Text),
    Column("started", Timestamp),
    Column("finished", Timestamp),
    Column("warnings", Text),  # JSON list: what the install changed about the dependencies (model_runtime)
    Index("builds_build", "build_id"),
    Index("builds_automation", "automation", "id"),  # the Models view reads each automation's newest rows first
    sqlite_autoincrement=True,
)

build_metrics = Table(
    "build_metrics",
    metadata,
    _id(),
    *_run_key(build_id_nullable=False),
    Column("commit", Text),
    Column("metric_name", Text, nullable=False),
    Column("value", _FLOAT, nullable=False),
    Column("logged_at", Timestamp, nullable=False),
    Index("build_metrics_build", "build_id", "metric_name"),
    Index("build_metrics_automation", "automation", "id"),
    sqlite_autoincrement=True,
)

# BuildSpecifications.parameters and what qwak/frogml log_param logged; the value as JSON text (int, str, ...).
build_params = Table(
    "build_params",
    metadata,
    _id(),
    *_run_key(build_id_nullable=False),
    Column("commit", Text),
    Column("param_name", Text, nullable=False),
    Column("value", Text),
    Column("logged_at", Timestamp, nullable=False),
    Index("build_params_build", "build_id", "param_name"),
    Index("build_params_automation", "automation", "id"),
    sqlite_autoincrement=True,
)

gate_verdicts = Table(
    "gate_verdicts",
    metadata,
    _id(),
    *_run_key(),
    Column("condition", Text, nullable=False),
    Column("metric_name", Text),
    Column("actual", _FLOAT),
    Column("direction", Text),
    Column("threshold", _FLOAT),
    Column("passed", _BOOL, nullable=False),
    Column("forced", _BOOL, nullable=False),
    Column("note", Text),
    Column("at", Timestamp, nullable=False),
    Index("gate_verdicts_run", "automation", "dag_run_id"),
    sqlite_autoincrement=True,
)

deployments = Table(
    "deployments",
    metadata,
    _id(),
    Column("automation", Text, nullable=False),
    Column("model_id", Text, nullable=False),
    Column("variation", Text, nullable=False),
    Column("environment", Text, nullable=False),
    Column("build_id", Text),
    Column("target", Text),
    Column("status", Text, nullable=False),
    Column("dag_run_id", Text),
    Column("at", Timestamp, nullable=False),
    Index("deployments_variation", "model_id", "variation", "status"),
    Index("deployments_automation", "automation", "id"),
    Index("deployments_run", "automation", "dag_run_id"),
    sqlite_autoincrement=True,
)

# One row per deploy's tests/it/ run (or the reason it did not run); they never fail the deploy.
integration_tests = Table(
    "integration_tests",
    metadata,
    _id(),
    *_run_key(),
    Column("status", Text, nullable=False),
    Column("passed", Integer),
    Column("failed", Integer),
    Column("skipped", Integer),
    Column("reason", Text),
    Column("at", Timestamp, nullable=False),
    Index("integration_tests_run", "automation", "dag_run_id"),
    sqlite_autoincrement=True,
)

# One row per MetricBasedTrigger check: the value's history, and the state that keeps triggers from storming.
metric_checks = Table(
    "metric_checks",
    metadata,
    _id(),
    Column("automation", Text, nullable=False),
    Column("model_id", Text, nullable=False),
    Column("dag_run_id", Text, nullable=False),
    Column("at", Timestamp, nullable=False),
    Column("value", _FLOAT),
    Column("threshold", _FLOAT),
    Column("direction", Text, nullable=False),
    Column("crossed", _BOOL),
    Column("fired", _BOOL, nullable=False),
    Column("reason", Text, nullable=False),
    Index("metric_checks_automation", "automation", "id"),
    sqlite_autoincrement=True,
)

TABLES = tuple(metadata.tables)


def check_dialect(dialect: str) -> None:
    if dialect not in SUPPORTED_DIALECTS:
        raise ValueError(f"the analytics store supports {', '.join(SUPPORTED_DIALECTS)}, not {dialect!r}")


def create_schema(conn: Connection) -> None:
    """Create what is missing, in the caller's transaction; a no-op (catalog reads only) on a complete database."""
    check_dialect(conn.dialect.name)
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
    existing = set(inspect(conn).get_table_names())
    metadata.create_all(conn, checkfirst=True)
    _upgrade(conn, [t for t in metadata.tables.values() if t.name in existing])


def _upgrade(conn: Connection, tables: list[Table]) -> None:
    # Never CREATE INDEX IF NOT EXISTS on a complete schema: on PostgreSQL it takes a SHARE lock on the table even
    # when the index exists, which deadlocked with another worker's writes. Read the catalog, create only the gaps.
    if not tables:
        return
    inspector = inspect(conn)
    for table in tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in columns:
                _add_column(conn, table, column)
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(conn)


def _add_column(conn: Connection, table: Table, column: Column) -> None:
    if not column.nullable:
        raise RuntimeError(f"analytics table {table.name} lacks NOT NULL column {column.name}: migrate it by hand")
    ddl = CreateColumn(column).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {conn.dialect.identifier_preparer.format_table(table)} ADD COLUMN {ddl}")
