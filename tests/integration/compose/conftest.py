"""docker-compose.yaml started for real, once per session: Debian's docker-compose 1.29 on the local engine, the
base images replaced by the Debian stand-ins (scripts/compose/build_standins.sh) since no registry is reachable.

The stack gets a project name, env file (generated secrets) and port of its own; it is taken down with
`down -v` by the last test, which checks that nothing of it is left.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from compose_stack import ROOT, STACK, Stack, env_value
from tests.support.airflow_server import AirflowServer, free_port, token

UP_TIMEOUT_S = 1800  # a cold machine builds the stand-ins first (debootstrap, wheels)


def _require(what: str, ok: bool, detail: str) -> None:
    if ok:
        return
    message = f"{what} is not available: {detail[-2000:]}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _ensure_tools() -> None:
    engine = subprocess.run([str(ROOT / "scripts/docker/ensure_engine.sh")], capture_output=True, text=True)
    _require("the Docker engine", engine.returncode == 0, engine.stdout + engine.stderr)
    if shutil.which("docker-compose") is None:
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
        for step in ([*apt, "update", "-qq"], [*apt, "install", "-y", "-qq", "docker-compose"]):
            subprocess.run(step, capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    _require("docker-compose", shutil.which("docker-compose") is not None, "apt-get install docker-compose failed")


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    _ensure_tools()
    base = tmp_path_factory.mktemp("compose")
    project = f"automations-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        **os.environ,
        "STANDINS": "1",
        "COMPOSE_PROJECT_NAME": project,
        "COMPOSE_ENV_FILE": str(base / "stack.env"),
        "AIRFLOW_PORT": str(port),
    }
    started = time.monotonic()
    up = subprocess.run([str(STACK), "up"], env=env, capture_output=True, text=True, timeout=UP_TIMEOUT_S)
    stack = Stack(project, env, AirflowServer(f"http://127.0.0.1:{port}", "", base, base / "up.log"), 0.0)
    stack.server.log.write_text(up.stdout + up.stderr)
    try:
        assert up.returncode == 0, f"stack.sh up failed:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
        stack.up_seconds = time.monotonic() - started
        print(f"\ncompose: {up.stdout.strip().splitlines()[-3]} (whole up {stack.up_seconds:.0f}s)")
        password = env_value(Path(env["COMPOSE_ENV_FILE"]), "AIRFLOW_ADMIN_PASSWORD")
        stack.server.token = token(stack.server.url, "admin", password) or ""
        assert stack.server.token, "the generated admin password does not log in"
        yield stack
    finally:
        if stack.leftovers()["containers"]:  # the last test normally took it down already
            stack.compose("down", "-v", "--remove-orphans", check=False)
