"""Pure checks: what a threshold query returned, and the one schema compiled for both dialects."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateTable

from automations.analytics.query import shape_problem
from automations.analytics.tables import check_dialect, metadata

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("columns", "rows", "problem"),
    [
        (["v"], [(0.5,)], ""),
        (["v"], [(3,)], ""),
        (["v"], [(Decimal("0.25"),)], ""),
        ([], [], "it returned no result set"),
        (["v"], [], "it returned 0 rows"),
        (["v"], [(1,), (2,)], "it returned 2 rows"),
        (["v"], [(i,) for i in range(1001)], "it returned more than 1000 rows"),
        (["a", "b", "c"], [(1, 2, 3)], "it returned 3 columns (a, b, c)"),
        (["v"], [(None,)], "it returned NULL"),
        (["v"], [("0.5",)], "it returned text ('0.5')"),
        (["v"], [(True,)], "it returned a boolean (True)"),
        (["v"], [(float("inf"),)], "it returned a non-finite number (inf)"),
        (["v"], [(b"x",)], "it returned a bytes (b'x')"),
    ],
)
def test_shape_problem(columns, rows, problem):
    assert shape_problem(columns, rows) == problem


def _columns(dialect) -> dict[str, list[str]]:
    """Column names as the compiled CREATE TABLE of ``dialect`` spells them, constraints left out."""
    tables = {}
    for table in metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        body = re.match(r"\s*CREATE TABLE \w+ \((.*)\)\s*$", ddl, re.S)[1]
        lines = [line.strip() for line in body.strip().splitlines()]
        tables[table.name] = [line.split()[0].strip('"') for line in lines if not line.startswith("PRIMARY KEY")]
    return tables


def test_both_dialects_define_the_same_tables_and_columns():
    postgres, sqlite = _columns(postgresql.dialect()), _columns(sqlite_dialect.dialect())
    assert postgres == sqlite
    assert set(postgres) == {
        "builds", "build_metrics", "build_params", "gate_verdicts", "deployments", "integration_tests", "metric_checks"
    }
    assert postgres["deployments"] == [
        "id", "automation", "model_id", "variation", "environment", "build_id", "target", "status", "dag_run_id", "at"
    ]


def test_unknown_dialect_is_refused_clearly():
    with pytest.raises(ValueError, match="supports postgresql, sqlite, not 'mysql'"):
        check_dialect("mysql")
