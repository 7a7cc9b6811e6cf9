"""Real Docker engine, real base image, real local registry: started by our own scripts, never assumed.

In CI (CI=true) a service that cannot be started FAILS the tests; elsewhere it skips them with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from automations.gateway import control as gateway
from automations.settings import get_settings

ROOT = Path(__file__).resolve().parents[3]
SCRIPTS = ROOT / "scripts" / "docker"
LABEL = "io.automations.automation"
BASE_IMAGE = os.environ.get("AUTOMATIONS_DOCKER_IMAGE", "automations-base:bookworm")


def _run_script(name: str, timeout: int) -> None:
    env = {**os.environ, "PYTHON": sys.executable, "AUTOMATIONS_DOCKER_IMAGE": BASE_IMAGE}
    try:
        proc = subprocess.run(["bash", str(SCRIPTS / name)], env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        _unavailable(f"{name} did not finish within {timeout} s")
    if proc.returncode != 0:
        _unavailable(f"{name} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Docker test service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"Docker test service unavailable: {reason}")


@pytest.fixture(scope="session")
def docker_engine():
    _run_script("ensure_engine.sh", timeout=900)
    import docker

    return docker.from_env(version="auto")


@pytest.fixture(scope="session")
def base_image(docker_engine) -> str:
    _run_script("ensure_base_image.sh", timeout=1200)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def registry(docker_engine) -> str:
    _run_script("ensure_registry.sh", timeout=600)
    return "localhost:5000"


@pytest.fixture
def docker_settings(tmp_path, monkeypatch, base_image, registry):
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("AUTOMATIONS_ARTIFACT_ROOT", (tmp_path / "artifacts").as_uri())
    monkeypatch.setenv("AUTOMATIONS_DOCKER_IMAGE", base_image)
    monkeypatch.setenv("AUTOMATIONS_DOCKER_NETWORK", "none")
    if os.environ.get("PIP_CERT"):  # this machine reaches PyPI through a TLS-intercepting proxy: trust its CA
        monkeypatch.setenv("AUTOMATIONS_DOCKER_CA_BUNDLE", os.environ["PIP_CERT"])
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", registry)
    monkeypatch.setenv("AUTOMATIONS_DEPLOY_HOST", "127.0.0.1")
    settings = get_settings().docker
    yield settings
    gateway.stop(settings.deployments_dir)  # a deploy started the stable-URL gateway, detached like a server


@pytest.fixture
def cleanup_containers(docker_engine):
    """Names of automations whose containers (any role) and serving images are removed after the test."""
    names: list[str] = []
    yield names
    for name in names:
        for container in docker_engine.containers.list(all=True, filters={"label": f"{LABEL}={name}"}):
            container.remove(force=True)
        for image in docker_engine.images.list(filters={"label": f"{LABEL}={name}"}):
            for tag in image.tags:
                docker_engine.images.remove(tag, force=True)
