"""A real Airflow (``airflow standalone``: scheduler, dag-processor, API server, triggerer), started once per session.

It reads a definitions folder of the session's own with one valid and one invalid definition, so the tests can
see both what users see in the UI and what the REST API answers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from tests.support.airflow_server import AirflowServer, free_port, tail, token

ROOT = Path(__file__).resolve().parents[3]
VALID = """\
name: api_valid
model_id: api_model
trigger: {cron: "0 4 * * *"}
action:
  build_spec: {git_uri: "https://git.example.com/models.git#api", git_access_token_secret: api_git_token}
  deployment_condition: {metric_name: f1_score, threshold: "0.8"}
"""
INVALID = """\
name: api_invalid
model_id: api_model
action:
  build_spec: {git_uri: "https://git.example.com/models.git"}
  deployment_condition: {metric_name: f1_score, threshold: 0.8}
"""
START_TIMEOUT_S = 120


def _environment(home: Path, definitions: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AUTOMATIONS_DIR": str(definitions),
        "AUTOMATIONS_BACKEND": "local",
        "AUTOMATIONS_STATE_DIR": str(home / "state"),
        "AIRFLOW_VAR_API_GIT_TOKEN": "ghp_this-must-never-show-0123456789",
        "PYTHONPATH": str(ROOT / "plugins"),
        # standalone starts its components as `airflow ...` found on PATH
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def _token(url: str, home: Path) -> str | None:
    passwords = home / "simple_auth_manager_passwords.json.generated"
    if not passwords.exists():
        return None
    return token(url, "admin", json.loads(passwords.read_text())["admin"])


@pytest.fixture(scope="session")
def airflow(tmp_path_factory) -> AirflowServer:
    base = tmp_path_factory.mktemp("airflow-api")
    home, definitions = base / "home", base / "definitions"
    definitions.mkdir()
    (definitions / "api_valid.yaml").write_text(VALID)
    (definitions / "api_invalid.yaml").write_text(INVALID)
    port, log = free_port(), base / "standalone.log"
    env = _environment(home, definitions, port)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "airflow"), "standalone"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    url = f"http://127.0.0.1:{port}"
    server = AirflowServer(url, "", home, log)
    try:
        server.token = server.wait_for(
            lambda: _alive(proc, log) and _token(url, home), "the API server", START_TIMEOUT_S
        )
        yield server
    finally:
        _stop(proc)


def _alive(proc: subprocess.Popen, log: Path) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"airflow standalone exited with {proc.returncode}; log tail:\n{tail(log)}")
    return True


def _stop(proc: subprocess.Popen) -> None:
    # SIGINT is what standalone handles to stop its children; SIGKILL the group if it does not.
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
