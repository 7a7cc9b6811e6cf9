"""`python -m automations run` against the session's real Airflow: once through the REST API, once through
`airflow dags trigger` on the same metadata database; the run's conf is read back through the REST API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[3]
DAG = "api_valid"


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **env}
    return subprocess.run(
        [sys.executable, "-m", "automations", *args], env=full, capture_output=True, text=True, timeout=180
    )


def _started_run(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    match = re.match(rf"started {DAG}: run (\S+) ", done.stdout)
    assert match, done.stdout
    return match.group(1)


def _conf(airflow, run_id: str) -> dict:
    from urllib.parse import quote

    status, body = airflow.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{quote(run_id, safe='')}")
    assert status == 200, body
    return body["conf"]


def _password(airflow) -> str:
    return json.loads((airflow.home / "simple_auth_manager_passwords.json.generated").read_text())["admin"]


def _wait_for_dag(airflow) -> None:
    airflow.wait_for(lambda: airflow.request("GET", f"/api/v2/dags/{DAG}")[0] == 200, f"DAG {DAG}")


def test_run_through_the_rest_api_passes_the_branch(airflow):
    _wait_for_dag(airflow)
    done = _cli(
        "run",
        DAG,
        "--branch",
        "feature/rest",
        AUTOMATIONS_AIRFLOW_URL=airflow.url,
        AUTOMATIONS_AIRFLOW_USERNAME="admin",
        AUTOMATIONS_AIRFLOW_PASSWORD=_password(airflow),
    )
    run_id = _started_run(done)
    assert f"via REST API {airflow.url}" in done.stdout
    assert _conf(airflow, run_id) == {"git_branch": "feature/rest"}
    assert _password(airflow) not in done.stdout + done.stderr


def test_run_with_a_token_and_no_branch_uses_the_definitions_branch(airflow):
    _wait_for_dag(airflow)
    done = _cli("run", DAG, AUTOMATIONS_AIRFLOW_URL=airflow.url, AUTOMATIONS_AIRFLOW_TOKEN=airflow.token)
    assert _conf(airflow, _started_run(done)) == {}  # the Param's default (the definition's git_branch) applies


def test_run_of_an_unknown_dag_and_a_bad_password_are_clear_errors(airflow):
    done = _cli(
        "run", "no_such_automation", AUTOMATIONS_AIRFLOW_URL=airflow.url, AUTOMATIONS_AIRFLOW_TOKEN=airflow.token
    )
    assert done.returncode == 1 and "has no DAG 'no_such_automation'" in done.stderr
    done = _cli(
        "run",
        DAG,
        AUTOMATIONS_AIRFLOW_URL=airflow.url,
        AUTOMATIONS_AIRFLOW_USERNAME="admin",
        AUTOMATIONS_AIRFLOW_PASSWORD="wrong-password",
    )
    assert done.returncode == 1 and "logging in to" in done.stderr and "wrong-password" not in done.stderr


def test_run_through_airflow_dags_trigger_on_the_same_database(airflow):
    _wait_for_dag(airflow)
    env = {"AIRFLOW_HOME": str(airflow.home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AUTOMATIONS_AIRFLOW_URL": ""}
    done = _cli("run", DAG, "--branch", "feature/cli", **env)
    run_id = _started_run(done)
    assert "via airflow dags trigger" in done.stdout
    assert _conf(airflow, run_id) == {"git_branch": "feature/cli"}
