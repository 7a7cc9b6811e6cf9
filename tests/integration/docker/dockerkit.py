"""Helpers for the Docker integration tests (a module, not conftest, so tests can import it by name)."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path

from tests.support.sources import as_cloned

from automations.spec import Automation

ROOT = Path(__file__).resolve().parents[3]
TINY_MODEL = ROOT / "tests" / "fixtures" / "models" / "docker_tiny"
EXAMPLE_MODEL = ROOT / "include" / "models" / "example_classifier"


def tiny_automation(name: str, build: dict | None = None, deployment: dict | None = None) -> Automation:
    return Automation.model_validate({
        "name": name,
        "model_id": name,
        "action": {
            "type": "QwakBuildDeploy",
            "build_spec": {"git_uri": "https://example.invalid/models.git#docker_tiny",
                           "resources": {"cpu_fraction": 1, "memory": "512Mi"}, **(build or {})},
            "deployment_spec": {"number_of_http_server_workers": 1, "cpu_fraction": 0.5, "memory": "512Mi",
                                "deployment_timeout": 60, **(deployment or {})},
        },
    })


def pack_source(model_dir: Path, target: Path) -> str:
    """What `clone` leaves in the artifact store: a tar.gz of the model directory and its dependency list."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(target, "w:gz") as tar:
        tar.add(as_cloned(model_dir, Path(scratch)), arcname=".")
    return target.as_uri()


class FakeTaskInstance:
    """Only what our task code calls: xcom_pull(task_ids=...) answered from a dict of upstream results."""

    def __init__(self, xcoms: dict):
        self.xcoms = xcoms

    def xcom_pull(self, task_ids: str):
        return self.xcoms[task_ids]


def clone_xcom(tmp_path: Path, model_dir: Path = TINY_MODEL, commit: str = "c0ffee" * 6 + "beef") -> dict:
    source_uri = pack_source(model_dir, tmp_path / "sources" / f"{commit}.tar.gz")
    return {"commit": commit, "branch": "main", "source_uri": source_uri, "repo": "https://example.invalid/models.git",
            "subdir": model_dir.name, "main_dir": "main"}


def build_tiny(name: str, tmp_path: Path, settings, build: dict | None = None, deployment: dict | None = None):
    """Run the real build task for the tiny model; returns (automation, build XCom)."""
    from automations.backends.docker.build import build_operator
    from automations.runs import BuildResult
    from automations.tasks import XCOM_INPUTS

    automation = tiny_automation(name, build, deployment)
    ti = FakeTaskInstance({"clone": clone_xcom(tmp_path)})
    xcom = build_operator(automation, settings, XCOM_INPUTS).execute({"ti": ti, "run_id": f"manual__{name}"})
    return automation, BuildResult.from_xcom(xcom)


def post_json(url: str, payload, timeout: float = 10):
    import json
    import urllib.request

    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())
