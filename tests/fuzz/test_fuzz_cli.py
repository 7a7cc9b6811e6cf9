"""Property test of ``python -m automations validate``: exit 0 or 1, never a traceback, one line per problem."""

from __future__ import annotations

import contextlib
import io
import re
import time

import pytest
from hypothesis import given
from tests.fuzz import stats
from tests.fuzz.strategies import RAW_BYTES, TREES, dump

from automations.__main__ import main

pytestmark = [pytest.mark.unit, pytest.mark.fuzz]

PROBLEM = re.compile(r"^[^:]+\.yaml: \S.*: \S.*$")


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-cli") / "fuzzed.yaml"


@given(content=RAW_BYTES | TREES.map(dump))
def test_validate_prints_one_line_per_problem_and_exits_0_or_1(target, content):
    target.write_bytes(content)
    out = io.StringIO()
    started = time.monotonic()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["validate", str(target)])
    except BaseException:
        stats.record("CLI validate", "crashed", time.monotonic() - started)
        raise
    stats.record("CLI validate", "accepted" if code == 0 else "rejected", time.monotonic() - started)
    lines = out.getvalue().splitlines()
    if code == 0:
        assert lines == ["1 automation(s) valid"]
    else:
        assert code == 1 and lines, "a failing validate must say why"
        assert all(PROBLEM.match(line) for line in lines), lines
