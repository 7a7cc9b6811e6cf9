"""Databases as the analytics store found them in the field, and a recorder of the DDL the store issues.

``legacy_analytics_schema/<dialect>.sql`` is the schema as it stood before the tables were written as SQLAlchemy
``Table`` objects: a database created from it must keep working with no DDL at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

LEGACY = Path(__file__).parent / "legacy_analytics_schema"
INDEXES = {
    "builds_build",
    "builds_automation",
    "build_metrics_build",
    "build_metrics_automation",
    "gate_verdicts_run",
    "deployments_variation",
    "deployments_automation",
    "deployments_run",
    "metric_checks_automation",
}
# Added after the old script (h9a): a database made from it gets these, and nothing else.
ADDED_INDEXES = {"build_params_build", "build_params_automation", "integration_tests_run"}
ADDED_TABLES = {"build_params", "integration_tests"}


def without_later_additions(ddl: list[str]) -> list[str]:
    """``ddl`` less what migrates an old-script database to the additions above (tested in test_build_record_*)."""
    later = (*ADDED_TABLES, "ADD COLUMN warnings")
    return [statement for statement in ddl if not any(name in statement for name in later)]


_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP)\b", re.IGNORECASE)


def legacy_sql(dialect: str, without: tuple[str, ...] = ()) -> str:
    """The old schema script; ``without`` drops the lines mentioning those strings (an older database's gaps)."""
    lines = (LEGACY / f"{dialect}.sql").read_text().splitlines()
    return "\n".join(line for line in lines if not any(gone in line for gone in without))


@contextmanager
def ddl_issued(engine: Engine) -> Iterator[list[str]]:
    """Every CREATE / ALTER / DROP statement sent through ``engine`` inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001 - event signature
        if _DDL.match(statement):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
