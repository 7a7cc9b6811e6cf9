"""automations.integration_tests: the tests/it/ outcome every backend shares, which never raises."""

import json
import threading

import pytest

from automations.integration_tests import Deadline, RunTimedOut, outcome, split_lines
from automations.runs import IntegrationTests

pytestmark = pytest.mark.unit


def test_the_report_becomes_the_outcome():
    report = {"status": "failed", "reason": "pytest exited with 1", "tests": {"passed": 1, "failed": 1}}
    assert outcome(lambda: json.dumps(report)) == IntegrationTests(**report)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (FileNotFoundError("no report"), "FileNotFoundError: no report"),
        (RunTimedOut("tests/it/ ran longer than 9 s and was stopped"), "ran longer than 9 s"),
    ],
)
def test_anything_that_keeps_the_tests_from_running_is_a_skip_with_the_reason(error, expected):
    def run() -> str:
        raise error

    tested = outcome(run)
    assert tested.status == "skipped" and tested.reason.startswith("tests/it/ could not run: ")
    assert expected in tested.reason


def test_a_report_that_is_not_an_outcome_is_a_skip():
    assert outcome(lambda: "{}").status == "skipped"  # no status: the report is not one
    assert outcome(lambda: "not json").status == "skipped"


def test_lines_are_whole_even_when_chunks_end_mid_line():
    chunks = [b"first li", b"ne\nsecond\r\nthi", b"rd\n", b"no newline \xff"]
    assert list(split_lines(chunks)) == ["first line", "second", "third", "no newline \ufffd"]


def test_the_deadline_stops_the_run_and_says_so():
    stopped = threading.Event()
    with Deadline(0.05, stopped.set) as deadline:
        assert stopped.wait(10), "the deadline never called stop"
    assert deadline.fired
    with pytest.raises(RunTimedOut, match="longer than 0.05 s"):
        deadline.check()


def test_a_run_inside_its_deadline_is_not_stopped():
    calls = []
    with Deadline(60, lambda: calls.append("stop")) as deadline:
        pass
    deadline.check()
    assert not deadline.fired and calls == []
