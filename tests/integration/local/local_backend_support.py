"""Local-backend integration helpers and fixtures: a private state dir, automations built from spec objects,
and cleanup of every model server a test started (registry records and the processes behind them)."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from tests.support.sources import as_cloned

from automations.artifacts import store_path, upload_dir_as_tar
from automations.backends.local import build as local_build
from automations.backends.local import deploy as local_deploy
from automations.backends.local.process import is_alive, stop_group
from automations.gateway import control as gateway
from automations.gateway import registry
from automations.runs import BuildResult, CloneResult, ImageResult
from automations.settings import get_settings
from automations.spec import Automation

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "include" / "models" / "example_classifier"
FIXTURE_MODELS = ROOT / "tests" / "fixtures" / "models"


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    state = tmp_path_factory.mktemp("local-state")
    settings = get_settings().replace(state_dir=state, artifact_root=(state / "artifacts").as_uri()).local
    yield settings
    stop_everything(settings)
    gateway.stop(settings.deployments_dir)  # the first deploy started it, detached like the servers


def automation(name: str, deployment_spec: dict | None = None, build_spec: dict | None = None) -> Automation:
    spec = Automation.model_validate(
        {
            "name": name,
            "model_id": name.replace("_", "-"),
            "action": {
                "build_spec": {"git_uri": f"file:///nowhere/{name}.git#model", **(build_spec or {})},
                "deployment_spec": {"number_of_http_server_workers": 1, **(deployment_spec or {})},
            },
        }
    )
    return spec


def clone_result(settings, name: str, model_dir: Path) -> CloneResult:
    """What the clone task returns, with the model directory packed into the artifact store as it would be."""
    commit = hashlib.sha1(f"{name}:{model_dir}".encode()).hexdigest()
    with tempfile.TemporaryDirectory() as scratch:
        cloned = as_cloned(model_dir, Path(scratch))
        uri = upload_dir_as_tar(cloned, store_path(settings, name, "sources", f"{commit}.tar.gz"))
    return CloneResult(commit=commit, branch="main", source_uri=uri, repo="file:///nowhere", subdir="model")


def run_build(automation: Automation, settings, clone: CloneResult, run_id: str, **kwargs) -> dict:
    """The backend's build, returning what the build task puts into XCom."""
    return local_build.run_build(automation, settings, clone, run_id, **kwargs).to_xcom()


def deploy(automation: Automation, build: dict, image: ImageResult | None, settings) -> dict:
    """The backend's deploy of a build task's XCom, returning what the deploy task puts into XCom."""
    return local_deploy.deploy(automation, BuildResult.from_xcom(build), image, settings).to_xcom()


def stop_everything(settings) -> None:
    for deployment in registry.all_deployments(settings.deployments_dir):
        # Under the variation's lock, as undeploy does: the gateway's supervisor would restart a server it saw die.
        with registry.locked(settings.deployments_dir, deployment.automation, deployment.variation):
            registry.stop(deployment)
            registry.remove(settings.deployments_dir, deployment.automation, deployment.variation)


@pytest.fixture
def cleanup(settings):
    """Stops every server recorded, plus any pid a test registers by hand, even when the test fails."""
    pids: list[int] = []
    yield pids
    stop_everything(settings)
    for pid in pids:
        if is_alive(pid):
            stop_group(pid, grace_s=3)
