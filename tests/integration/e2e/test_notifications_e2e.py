"""on_success / on_error through whole DAG runs on the local backend (`dag.test()`, as `airflow dags test` does it, in
the session's one Airflow process: the ``dag_driver`` fixture), to a real HTTP server on loopback.

Four runs of one tiny model: deployed (CustomWebhook POST), gate skip (Slack, webhook from a Variable), build
failure (CustomWebhook GET), and a success whose endpoint is dead (the run stays a success). Verdicts come from
the metadata DB and from what the server received, never from exit codes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support.airflow_env import airflow_env
from support.dag_runs import drive, run_log
from support.gitrepo import copy_tree_into_repo, make_repo
from support.webhook_server import WebhookServer, closed_port_url

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "fixtures" / "models" / "docker_tiny"
NAME = "notify_tiny"
SLACK_PATH = "/services/T0NOTIFY/B0NOTIFY/slackSecretPart"


@pytest.fixture(scope="module")
def server():
    with WebhookServer() as running:
        yield running


@pytest.fixture(scope="module")
def home(tmp_path_factory, server, dag_driver):
    tmp = tmp_path_factory.mktemp("notify-e2e")
    make_repo(tmp / "models", {"README.md": "tiny\n"})
    from git import Repo

    copy_tree_into_repo(Repo(tmp / "models"), TINY, "tiny", "tiny model")
    definitions = tmp / "automations"
    definitions.mkdir()
    env = airflow_env(
        tmp,
        definitions,
        AIRFLOW_HOME=dag_driver.home,
        AIRFLOW_VAR_SLACK_HOOK=server.url(SLACK_PATH),
        AIRFLOW_VAR_HOOK_TOKEN="Bearer hookToken123",
        AUTOMATIONS_NOTIFY_TIMEOUT="2",
        AIRFLOW__API__BASE_URL="http://airflow.test:8080",
    )
    yield {"env": env, "tmp": tmp, "repo": tmp / "models", "definitions": definitions, "driver": dag_driver.driver}
    subprocess.run([sys.executable, "-m", "automations", "undeploy", NAME], env=env, capture_output=True, timeout=120)
    shutil.rmtree(tmp / "state" / "envs", ignore_errors=True)


def write(home: dict, threshold: str | None = None, env_vars: list[str] | None = None, **notifications) -> None:
    spec = {
        "name": NAME,
        "model_id": "notify-tiny",
        "action": {
            "build_spec": {"git_uri": f"file://{home['repo']}#tiny", "env_vars": env_vars or []},
            "deployment_condition": (
                {"metric_name": "accuracy", "direction": "ABOVE", "threshold": threshold} if threshold else []
            ),
            "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 120},
        },
        **notifications,
    }
    (home["definitions"] / f"{NAME}.yaml").write_text(json.dumps(spec))


def run(home: dict, label: str) -> tuple[str, dict[str, str], str]:
    """The run's state, its task states and the run's output."""
    drive(home, NAME, label)
    db = sqlite3.connect(Path(home["env"]["AIRFLOW_HOME"]) / "airflow.db")
    try:
        run_id, state = db.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (NAME,)
        ).fetchone()
        tasks = dict(
            db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (NAME, run_id))
        )
    finally:
        db.close()
    return state, tasks, run_log(home, label).read_text()


def test_a_deployed_run_posts_qwaks_fields_as_json_with_headers(home, server):
    server.recorder.requests.clear()
    write(
        home,
        on_success={
            "url": server.url("/deployed"),
            "http_method": "POST",
            "headers": {"Authorization": "secret:hook_token", "X-Team": "ml"},
            "data": {"channel": "models"},
        },
        on_error={"webhook": "slack_hook"},
    )
    state, tasks, log = run(home, "deployed")
    assert state == "success" and tasks["deploy"] == "success", log[-3000:]
    [got] = server.recorder.requests
    assert (got.method, got.path) == ("POST", "/deployed")
    assert got.headers["Authorization"] == "Bearer hookToken123" and got.headers["X-Team"] == "ml"
    body = got.body
    assert {k: body[k] for k in ("model_id", "automation", "status", "channel", "outcome")} == {
        "model_id": "notify-tiny",
        "automation": NAME,
        "status": "SUCCESS",
        "channel": "models",
        "outcome": "deployed",
    }
    assert body["build_id"] and body["execution_date"] and body["endpoint"].startswith("http://")
    assert "hookToken123" not in log


def test_a_gate_skip_is_a_slack_success_saying_not_deployed(home, server):
    server.recorder.requests.clear()
    write(home, threshold="0.9", on_success={"webhook": "slack_hook"}, on_error={"webhook": "slack_hook"})
    state, tasks, log = run(home, "skip")
    assert state == "success" and tasks["skip_deploy"] == "success" and tasks["deploy"] == "skipped", log[-3000:]
    [got] = server.recorder.requests
    assert (got.method, got.path) == ("POST", SLACK_PATH)
    text = got.body["text"]
    assert "build succeeded but was not deployed" in text
    for part in (
        "notify-tiny",
        "http://airflow.test:8080/dags/notify_tiny/runs/",
        "accuracy=0.875",
        "is not ABOVE (>) the threshold 0.9",
        "*Deployed to:* not deployed",
        "*Commit:*",
    ):
        assert part in text, part
    assert "notification on_success (built, not deployed) sent: SlackNotification to secret 'slack_hook'" in log
    assert "slackSecretPart" not in log and "slackSecretPart" not in _task_logs(home)


def test_a_failed_build_sends_on_error_as_get_query_parameters(home, server):
    server.recorder.requests.clear()
    write(
        home,
        env_vars=["TINY_MODE=fail"],
        on_success={"webhook": "slack_hook"},
        on_error={"url": server.url("/failed"), "http_method": "GET", "data": {"severity": "high"}},
    )
    state, tasks, log = run(home, "failed")
    assert state == "failed" and tasks["build"] == "failed", log[-3000:]
    [got] = server.recorder.requests
    assert (got.method, got.path, got.body) == ("GET", "/failed", None)
    q = got.query
    assert (q["status"], q["failed_task"], q["automation"], q["severity"]) == ("FAILURE", "build", NAME, "high")
    assert "build failed on purpose" in q["error"] or q["error"], q


def test_a_dead_endpoint_leaves_the_run_a_success(home):
    write(home, threshold="0.9", on_success={"url": closed_port_url("/dead/secretPath"), "http_method": "POST"})
    state, tasks, log = run(home, "dead")
    assert state == "success" and tasks["skip_deploy"] == "success", log[-3000:]
    assert "NOTIFICATION FAILED: on_success" in log and "after 2 attempt(s)" in log
    assert "secretPath" not in log and "secretPath" not in _task_logs(home)


def _task_logs(home: dict) -> str:
    logs = Path(home["env"]["AIRFLOW_HOME"]) / "logs"
    return "".join(p.read_text(errors="replace") for p in logs.rglob("*") if p.is_file())
