"""Planted secrets on the local backend: a git token, a webhook URL and a registry credential in the secrets
backend, one whole DAG through `airflow dags test`, the Kubernetes objects rendered, then every place scanned.

- the git token (Variable) opens a private repository over HTTP that answers 401 without it;
- the webhook URL (Variable) is on_success's Slack webhook; its path holds the secret part;
- the registry credential (Connection, AUTOMATIONS_DOCKER_REGISTRY_CONN_ID) is what a Docker push would send; the
  local backend pushes nothing, so the scan shows it was copied nowhere (the Docker twin uses it for real).
The figure is 0 occurrences per place; the test prints the count per place.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from automations.spec import Automation
from automations.steps.clone import clone, git_env
from support.airflow_env import AIRFLOW, airflow_env, migrate
from support.git_http import bare_copy, private_git_server
from support.gitrepo import copy_tree_into_repo, make_repo
from support.secret_scan import in_bytes, in_files, in_sqlite, in_text
from support.webhook_server import WebhookServer

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "fixtures" / "models" / "docker_tiny"
NAME = "local_secrets"
GIT_TOKEN = "ghp_localPlantedGitToken0123456789cd"
HOOK_PART = "hookPlantedLocalPart4b1e6d"
REGISTRY_USER = "pusher"
REGISTRY_PASSWORD = "regPlantedLocalPassword9a7c3f"


def needles() -> list[bytes]:
    git_header = base64.b64encode(f"x-access-token:{GIT_TOKEN}".encode())
    registry_auth = base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode())
    return [GIT_TOKEN.encode(), git_header, HOOK_PART.encode(), REGISTRY_PASSWORD.encode(), registry_auth]


def _definition(git_url: str) -> dict:
    return {
        "name": NAME,
        "model_id": NAME.replace("_", "-"),
        "action": {
            "build_spec": {"git_uri": f"{git_url}/models.git#tiny", "git_access_token_secret": "leak_git_token"},
            "deployment_condition": {"metric_name": "accuracy", "direction": "ABOVE", "threshold": "0.5"},
            "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 120},
        },
        "on_success": {"webhook": "leak_hook"},
    }


def _render_kubernetes(env: dict) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "automations", "render", NAME, "--backend", "kubernetes"],
        env={**env, "AUTOMATIONS_REGISTRY": "registry.example.com/ml"},  # the kubernetes backend has no default
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and "kind: Deployment" in out.stdout, out.stderr[-2000:]
    return out.stdout


def _kept_clone_git_dir(git_url: str, definition: dict, dest: Path) -> Path:
    """The clone step's own git call and environment, into a folder that is kept (the task's is a temp dir)."""
    build = Automation.model_validate(definition).action.build_spec
    clone(
        f"{git_url}/models.git",
        "main",
        "tiny",
        dest,
        {**os.environ, **git_env(build, lambda _: GIT_TOKEN, dest.parent)},
    )
    return dest / ".git"


def _server_environ(state: Path) -> bytes:
    record = json.loads((state / "deployments" / f"{NAME}--default.json").read_text())
    return Path(f"/proc/{record['pid']}/environ").read_bytes()


@pytest.fixture
def planted(tmp_path):
    make_repo(tmp_path / "models", {"README.md": "models\n"})
    from git import Repo

    copy_tree_into_repo(Repo(tmp_path / "models"), TINY, "tiny", "tiny model")
    bare_copy(tmp_path / "models", tmp_path / "served", "models.git")
    definitions = tmp_path / "automations"
    definitions.mkdir()
    with WebhookServer() as hooks, private_git_server(tmp_path / "served", GIT_TOKEN) as (git_url, git_requests):
        env = airflow_env(
            tmp_path,
            definitions,
            AIRFLOW_VAR_LEAK_GIT_TOKEN=GIT_TOKEN,
            AIRFLOW_VAR_LEAK_HOOK=hooks.url(f"/hooks/{HOOK_PART}"),
            AIRFLOW_CONN_LEAK_REGISTRY=json.dumps(
                {"conn_type": "docker", "host": "localhost:5000", "login": REGISTRY_USER, "password": REGISTRY_PASSWORD}
            ),
            AUTOMATIONS_DOCKER_REGISTRY_CONN_ID="leak_registry",
        )
        migrate(env)
        definition = _definition(git_url)
        (definitions / f"{NAME}.yaml").write_text(json.dumps(definition))
        log = tmp_path / "dags-test.log"
        with log.open("w") as out:
            subprocess.run([AIRFLOW, "dags", "test", NAME], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900)
        kept_git = _kept_clone_git_dir(git_url, definition, tmp_path / "kept" / "repo")
        yield {
            "env": env,
            "tmp": tmp_path,
            "log": log,
            "hooks": list(hooks.recorder.requests),
            "git": git_requests,
            "rendered": _render_kubernetes(env),
            "kept_git": kept_git,
        }
    subprocess.run([sys.executable, "-m", "automations", "undeploy", NAME], env=env, capture_output=True, timeout=120)
    from automations.gateway import control as gateway

    gateway.stop(tmp_path / "state" / "deployments")


def test_no_planted_secret_reaches_logs_xcom_templates_docs_files_or_processes(planted):
    tmp, env, log = planted["tmp"], planted["env"], planted["log"]
    home, state = Path(env["AIRFLOW_HOME"]), Path(env["AUTOMATIONS_STATE_DIR"])
    with sqlite3.connect(home / "airflow.db") as db:
        states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ?", (NAME,)))
    # Each secret was really used (the git server and the webhook check them), or the scan would prove nothing.
    assert states.get("deploy") == "success", log.read_text()[-4000:]
    assert any(r.endswith(" ok") for r in planted["git"]), planted["git"]
    assert [r.path for r in planted["hooks"]] == [f"/hooks/{HOOK_PART}"]
    secrets = needles()
    # The scanner's own check: the environment the run was given holds every planted value (encoded ones aside).
    assert len(in_text("the run's environment", json.dumps(env), secrets)) == 3
    places = {
        "the dags test output": in_text("dags test output", log.read_text(), secrets),
        "task logs": in_files(home / "logs", secrets),
        "metadata DB (XCom, rendered templates, serialized DAGs and DAG docs)": in_sqlite(home / "airflow.db", secrets),
        "the cloned .git (config and all)": in_files(planted["kept_git"], secrets),
        "artifact store": in_files(state / "artifacts", secrets),
        "build environments and workspaces": in_files(state, secrets, skip=("artifacts", "deployments")),
        "deployments (records, server logs, ports)": in_files(state / "deployments", secrets),
        "the model server's environment": in_bytes("server environ", _server_environ(state), secrets),
        "analytics DB": in_sqlite(tmp / "analytics.db", secrets),
        "rendered Kubernetes objects and pod specs": in_text("render", planted["rendered"], secrets),
        "every other file of the run": in_files(tmp, secrets, skip=("state", "logs", "served", "models", "kept")),
    }
    print("local planted-secret scan:", {place: len(found) for place, found in places.items()})
    assert places == {place: [] for place in places}
