"""`model_runtime integration`: tests/it/ of a model directory against a live endpoint, never failing.

A tiny HTTP server (the standard library's) stands in for the deployed model here; the real deployment is in
tests/integration/e2e/test_qwak_repos_e2e.py.
"""

import json

import pandas as pd
import pytest

from model_runtime import contract
from model_runtime.build import pytest_command
from model_runtime.integration import run
from model_runtime.realtime_client import InferenceOutputFormat, LocalRealTimeClient, PredictionFailed
from support.json_endpoint import json_endpoint

pytestmark = pytest.mark.unit


def echo(body: bytes) -> tuple[int, bytes]:
    """Answers each posted record with {"seen": its x}, as a list; 500 for a body that is not JSON records."""
    data = json.loads(body)
    if isinstance(data, dict) and "columns" in data:  # pandas split
        data = [dict(zip(data["columns"], row, strict=True)) for row in data["data"]]
    if isinstance(data, dict):
        data = [data]
    if not all(isinstance(r, dict) and "x" in r for r in data):
        return 500, b"bad records"
    return 200, json.dumps([{"seen": r["x"]} for r in data]).encode()


@pytest.fixture(scope="module")
def endpoint():
    with json_endpoint(echo) as url:
        yield url


def model_dir(tmp_path, tests: dict[str, str]):
    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "__init__.py").write_text("")
    for rel, text in tests.items():
        path = tmp_path / "tests" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


LIVE = """
from qwak_mock import real_time_client


def test_live(real_time_client):
    assert real_time_client.predict([{"x": 4}]) == [{"seen": 4}]
"""
FAILING = """
def test_live(real_time_client):
    assert real_time_client.predict({"x": 1}) == [{"seen": 2}]
"""


def outcome(tmp_path, endpoint):
    report = tmp_path / "report.json"
    assert run(tmp_path, endpoint, report) == contract.EXIT_OK  # whatever the tests did
    return json.loads(report.read_text())


def test_passing_tests_against_the_endpoint(tmp_path, endpoint):
    source = model_dir(tmp_path, {"it/test_live.py": LIVE})
    assert outcome(source, endpoint) == {
        "status": "passed",
        "reason": "",
        "tests": {"passed": 1, "failed": 0, "skipped": 0},
    }


def test_a_failing_test_is_reported_not_raised(tmp_path, endpoint):
    source = model_dir(tmp_path, {"it/test_live.py": FAILING})
    result = outcome(source, endpoint)
    assert result["status"] == "failed" and result["tests"]["failed"] == 1


def test_no_tests_it_is_a_skip_with_the_reason(tmp_path, endpoint):
    source = model_dir(tmp_path, {"test_unit.py": "def test_one():\n    pass\n"})
    assert outcome(source, endpoint) == {
        "status": "skipped",
        "reason": "the model has no tests/it/ directory",
        "tests": {},
    }


def test_the_builds_own_test_run_leaves_tests_it_out(tmp_path):
    source = model_dir(tmp_path, {"it/test_live.py": LIVE, "test_unit.py": "def test_one():\n    pass\n"})
    assert f"--ignore={source / 'tests' / 'it'}" in pytest_command(source, tmp_path)
    assert not any(a.startswith("--ignore") for a in pytest_command(source, tmp_path, target="tests/it"))


def test_the_client_sends_and_reads_like_qwak_inference(endpoint):
    client = LocalRealTimeClient(endpoint + "/predict")
    assert client.predict(pd.DataFrame({"x": [1, 2]})) == [{"seen": 1}, {"seen": 2}]  # orient="split"
    frame = client.predict([{"x": 3}], output_format=InferenceOutputFormat.PANDAS)
    assert frame.to_dict("list") == {"seen": [3]}
    assert json.loads(client.predict({"x": 5}, output_format="RAW")) == [{"seen": 5}]
    with pytest.raises(PredictionFailed, match="500"):
        client.predict([{"y": 1}])
