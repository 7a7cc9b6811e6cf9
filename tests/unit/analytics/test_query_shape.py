"""Pure checks: what a threshold query returned, and the two schema files describing the same tables."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from automations.analytics.query import shape_problem
from automations.analytics.store import schema_sql

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


def _columns(statements: list[str]) -> dict[str, list[str]]:
    tables = {}
    for statement in statements:
        match = re.match(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*)\)$", statement, re.S)
        if match:
            tables[match[1]] = [line.split()[0].strip('"') for line in match[2].strip().splitlines()]
    return tables


def test_both_dialects_define_the_same_tables_and_columns():
    postgres, sqlite = _columns(schema_sql("postgresql")), _columns(schema_sql("sqlite"))
    assert postgres == sqlite
    assert set(postgres) == {"builds", "build_metrics", "gate_verdicts", "deployments", "metric_checks"}
    assert postgres["deployments"] == [
        "id", "automation", "model_id", "variation", "environment", "build_id", "target", "status", "dag_run_id", "at"
    ]


def test_unknown_dialect_is_refused_clearly():
    with pytest.raises(ValueError, match="supports postgresql, sqlite, not 'mysql'"):
        schema_sql("mysql")
