"""The local backend's tests/it/ runner: a real model_runtime process against a stand-in endpoint."""

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from automations import integration_tests, runtime_package
from automations.backends.local.integration import run_integration_tests
from automations.backends.local.process import is_alive
from support.json_endpoint import json_endpoint

pytestmark = pytest.mark.unit
RUNTIME_PATH = str(runtime_package.MODULE_DIR.parent)

LIVE = """
def test_live(real_time_client):
    assert real_time_client.predict([{"x": 4}]) == [{"doubled": 8}]
"""
WRONG = """
def test_live(real_time_client):
    assert real_time_client.predict([{"x": 4}]) == [{"doubled": 9}]
"""


def doubler(body: bytes) -> tuple[int, bytes]:
    return 200, json.dumps([{"doubled": 2 * row["x"]} for row in json.loads(body)]).encode()


@pytest.fixture(scope="module")
def endpoint():
    with json_endpoint(doubler) as url:
        yield url


def source_with(tmp_path: Path, test: str | None) -> Path:
    (tmp_path / "main").mkdir(parents=True)
    (tmp_path / "main" / "__init__.py").write_text("")
    if test is not None:
        (tmp_path / "tests" / "it").mkdir(parents=True)
        (tmp_path / "tests" / "it" / "test_live.py").write_text(test)
    return tmp_path


def test_passing_tests_it_are_reported_with_their_output_in_the_log(tmp_path, endpoint, caplog):
    caplog.set_level("INFO", logger="automations.integration_tests")
    tested = run_integration_tests(sys.executable, source_with(tmp_path, LIVE), endpoint, RUNTIME_PATH, {})
    assert (tested.status, tested.tests["passed"]) == ("passed", 1), tested
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("tests/it: model_runtime integration: tests/it/ against") for line in lines), lines


def test_a_failing_test_is_an_outcome_not_an_error(tmp_path, endpoint):
    tested = run_integration_tests(sys.executable, source_with(tmp_path, WRONG), endpoint, RUNTIME_PATH, {})
    assert (tested.status, tested.tests["failed"]) == ("failed", 1), tested


def test_airflows_secrets_do_not_reach_the_tests(tmp_path, endpoint):
    leak = 'import os\n\ndef test_env():\n    assert "AIRFLOW__CORE__FERNET_KEY" not in os.environ\n'
    env = {**os.environ, "AIRFLOW__CORE__FERNET_KEY": "s3cret"}
    tested = run_integration_tests(sys.executable, source_with(tmp_path, leak), "http://127.0.0.1:9", RUNTIME_PATH, env)
    assert tested.status == "passed", tested


def test_a_model_without_tests_it_is_skipped_with_the_reason(tmp_path):
    tested = run_integration_tests(sys.executable, source_with(tmp_path, None), "http://x", RUNTIME_PATH, {})
    assert (tested.status, tested.reason) == ("skipped", "the model has no tests/it/ directory")


def test_an_environment_that_hangs_is_stopped_at_the_deadline(tmp_path, monkeypatch):
    hanging = tmp_path / "python"
    # A child of the runtime, as pytest is, has to be stopped too (its output elsewhere, so that killing only the
    # runtime would end the read and leave it running: what the last assert catches).
    script = f"#!/bin/sh\necho starting\nsleep 300 >/dev/null 2>&1 &\necho $! > {tmp_path}/child.pid\nexec sleep 300\n"
    hanging.write_text(script)
    hanging.chmod(hanging.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(integration_tests, "TIMEOUT_S", 1)
    tested = run_integration_tests(str(hanging), source_with(tmp_path / "m", LIVE), "http://x", RUNTIME_PATH, {})
    assert tested.status == "skipped" and "ran longer than 1 s and was stopped" in tested.reason, tested
    assert not is_alive(int((tmp_path / "child.pid").read_text()))
