"""Planted secrets on the Docker backend: a git token, a webhook URL and a registry credential, each checked by a
real server, then every place a run leaves data is scanned for them (0 occurrences is the figure).

- the git token (Variable): the repository is private over HTTP (`git http-backend` behind Basic auth);
- the webhook URL (Variable): on_success posts to a loopback server whose path holds the secret part;
- the registry credential (Connection, AUTOMATIONS_DOCKER_REGISTRY_CONN_ID): a `docker-registry` of the test's own
  with htpasswd auth, so the push succeeds only with that password.
One `airflow dags test` runs clone -> build (containers) -> push_image -> metric_gate -> deploy (container); then
the kubernetes objects are rendered and the scan runs over logs, the metadata DB, files, containers and images.
"""

from __future__ import annotations

import base64
import crypt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from dockerkit import TINY_MODEL
from tests.support.airflow_env import AIRFLOW, migrate
from tests.support.airflow_env import airflow_env as make_airflow_env
from tests.support.airflow_server import free_port
from tests.support.git_http import bare_copy, private_git_server
from tests.support.gitrepo import copy_tree_into_repo, make_repo
from tests.support.secret_scan import in_files, in_images, in_sqlite, in_text
from tests.support.webhook_server import WebhookServer

from automations.gateway import control as gateway

pytestmark = [pytest.mark.integration, pytest.mark.docker, pytest.mark.e2e]

NAME = "docker_secrets"
GIT_TOKEN = "ghp_dockerPlantedGitToken0123456789ab"
HOOK_PART = "hookPlantedSecretPart7f3a9c"
REGISTRY_USER = "pusher"
REGISTRY_PASSWORD = "regPlantedPassword5d8e2b1c"
LABEL = "io.automations.automation"


def needles() -> list[bytes]:
    git_header = base64.b64encode(f"x-access-token:{GIT_TOKEN}".encode())
    registry_auth = base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode())  # Basic / config.json form
    return [GIT_TOKEN.encode(), git_header, HOOK_PART.encode(), REGISTRY_PASSWORD.encode(), registry_auth]


def _answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


@pytest.fixture
def private_registry(registry, tmp_path):
    """A registry of this test's own that refuses every request without REGISTRY_USER's password."""
    folder = tmp_path / "registry"
    folder.mkdir()
    hashed = crypt.crypt(REGISTRY_PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH))
    (folder / "htpasswd").write_text(f"{REGISTRY_USER}:{hashed}\n")
    port = free_port()
    (folder / "config.yml").write_text(
        f"version: 0.1\nlog: {{level: warn}}\nstorage: {{filesystem: {{rootdirectory: {folder / 'storage'}}}}}\n"
        f"auth: {{htpasswd: {{realm: private, path: {folder / 'htpasswd'}}}}}\nhttp: {{addr: 127.0.0.1:{port}}}\n"
    )
    log = (folder / "registry.log").open("w")
    proc = subprocess.Popen(
        ["docker-registry", "serve", str(folder / "config.yml")],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(60):
            if _answers(f"http://127.0.0.1:{port}/v2/") == 401:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"the private registry did not answer 401: {(folder / 'registry.log').read_text()}")
        yield f"localhost:{port}", folder
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _catalog(host: str) -> list[str]:
    request = urllib.request.Request(f"http://{host}/v2/_catalog")
    token = base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["repositories"]


def _definition(url: str) -> str:
    return json.dumps(
        {
            "name": NAME,
            "model_id": NAME,
            "action": {
                "build_spec": {"git_uri": f"{url}/models.git#tiny", "git_access_token_secret": "leak_git_token"},
                "deployment_condition": {"metric_name": "accuracy", "direction": "ABOVE", "threshold": "0.5"},
                "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 120},
            },
            "on_success": {"webhook": "leak_hook"},
        }
    )


def _render_kubernetes(env: dict) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "automations", "render", NAME, "--backend", "kubernetes"],
        env={**env, "AUTOMATIONS_REGISTRY": "registry.example.com/ml"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0 and "kind: Deployment" in out.stdout, out.stderr[-2000:]
    return out.stdout


def _containers_and_images(docker_engine) -> tuple[list, list[str]]:
    containers = docker_engine.containers.list(all=True, filters={"label": f"{LABEL}={NAME}"})
    images = {tag for c in containers for tag in (c.image.tags or [c.image.id])}
    images |= {tag for i in docker_engine.images.list(filters={"label": f"{LABEL}={NAME}"}) for tag in i.tags}
    return containers, sorted(images)


def test_no_planted_secret_reaches_logs_xcom_files_containers_or_image_layers(
    tmp_path, base_image, private_registry, docker_engine, cleanup_containers
):
    cleanup_containers.append(NAME)
    registry_host, _ = private_registry
    repo = make_repo(tmp_path / "models", {"README.md": "models\n"})
    copy_tree_into_repo(repo, TINY_MODEL, "tiny", "tiny model")
    served = tmp_path / "served"
    bare_copy(tmp_path / "models", served, "models.git")
    defs = tmp_path / "defs"
    defs.mkdir()
    with WebhookServer() as hooks, private_git_server(served, GIT_TOKEN) as (git_url, git_requests):
        connection = {"conn_type": "docker", "host": registry_host, "login": REGISTRY_USER}
        env = make_airflow_env(
            tmp_path,
            defs,
            backend="docker",
            AUTOMATIONS_DOCKER_IMAGE=base_image,
            AUTOMATIONS_REGISTRY=registry_host,
            AUTOMATIONS_DOCKER_REGISTRY_CONN_ID="leak_registry",
            AIRFLOW_CONN_LEAK_REGISTRY=json.dumps({**connection, "password": REGISTRY_PASSWORD}),
            AIRFLOW_VAR_LEAK_GIT_TOKEN=GIT_TOKEN,
            AIRFLOW_VAR_LEAK_HOOK=hooks.url(f"/hooks/{HOOK_PART}"),
        )
        if os.environ.get("PIP_CERT"):  # this machine reaches PyPI through a TLS-intercepting proxy
            env["AUTOMATIONS_DOCKER_CA_BUNDLE"] = os.environ["PIP_CERT"]
        migrate(env)
        (defs / f"{NAME}.yaml").write_text(_definition(git_url))
        log = tmp_path / "dags-test.log"
        with log.open("w") as out:
            subprocess.run([AIRFLOW, "dags", "test", NAME], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=900)
        rendered = _render_kubernetes(env)
        hook_paths = [r.path for r in hooks.recorder.requests]
    try:
        home = Path(env["AIRFLOW_HOME"])
        with sqlite3.connect(home / "airflow.db") as db:
            states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ?", (NAME,)))
        # Each secret was really used, or the scan would prove nothing.
        assert states.get("push_image") == "success" and states.get("deploy") == "success", log.read_text()[-4000:]
        assert any(r.endswith(" ok") for r in git_requests), git_requests
        assert hook_paths == [f"/hooks/{HOOK_PART}"]
        assert any(repo.startswith(NAME) for repo in _catalog(registry_host))
        assert _answers(f"http://{registry_host}/v2/_catalog") == 401, "the registry must refuse anonymous reads"

        secrets = needles()
        # The scanner's own check: the environment the run was given holds every planted value (encoded ones aside).
        assert len(in_text("the run's environment", json.dumps(env), secrets)) == 3
        containers, images = _containers_and_images(docker_engine)
        with sqlite3.connect(home / "airflow.db") as db:
            [(build,)] = db.execute(
                "SELECT value FROM xcom WHERE dag_id = ? AND task_id = 'build' AND key = 'return_value'", (NAME,)
            )
        build = json.loads(build) if isinstance(build, (str, bytes)) else build
        images = sorted({*images, build["build_image"]})  # the dependencies image the build and tests ran in
        layers, image_hits = in_images(images, secrets)
        specs = json.dumps([c.attrs for c in containers] + [docker_engine.images.get(i).attrs for i in images])
        docker_config = Path.home() / ".docker" / "config.json"
        places = {
            "the dags test output": in_text("dags test output", log.read_text(), secrets),
            "task logs": in_files(home / "logs", secrets),
            "metadata DB (XCom, rendered templates, serialized DAGs and DAG docs)": in_sqlite(
                home / "airflow.db", secrets
            ),
            "state dir (artifact store, build workspaces, pip cache, deployments)": in_files(
                tmp_path / "state", secrets
            ),
            "analytics DB": in_sqlite(tmp_path / "analytics.db", secrets),
            "rendered Kubernetes objects and pod specs": in_text("render", rendered, secrets),
            "container and image specs (env, command, labels)": in_text("docker inspect", specs, secrets),
            "image layers (serving and dependencies images)": image_hits,
            "the engine's ~/.docker/config.json": in_files(docker_config.parent, secrets)
            if docker_config.exists()
            else [],
            "the Airflow home's other files": in_files(home, secrets, skip=("logs",)),
        }
        counts = {place: len(found) for place, found in places.items()}
        print(f"docker planted-secret scan ({len(images)} images, {sum(layers.values())} layers {layers}):", counts)
        assert len(images) >= 2 and all(layers.values()) and any(ref.startswith(registry_host) for ref in images)
        assert places == {place: [] for place in places}
    finally:
        gateway.stop(tmp_path / "state" / "deployments")
