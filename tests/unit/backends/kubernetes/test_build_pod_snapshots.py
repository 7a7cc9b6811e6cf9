"""Snapshot tests of the rendered build and Kaniko pods. Refresh with UPDATE_SNAPSHOTS=1 and review the diff."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from tests.support.automations import make_automation

from automations.backends.kubernetes import build, build_pod, image
from automations.settings import get_settings
from automations.spec import Automation

pytestmark = pytest.mark.unit

SNAPSHOTS = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "snapshots" / "kubernetes" / "build"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

DEFINITIONS = {
    "cpu_default": {},
    "gpu_a100_ondemand": {"resources": {"gpu_type": "NVIDIA_A100", "gpu_amount": 2}, "purchase_option": "ondemand"},
    "instance_g5_xlarge": {"resources": {"instance": "g5_xlarge"}},
    "full": {
        "git_access_token_secret": "github_token",
        "tags": ["prod", "team:ml"],
        "env_vars": ["FOO=bar"],
        "parameters": {"epochs": 3, "lr": 0.1},
        "assumed_iam_role": "arn:aws:iam::123456789012:role/trainer",
        "base_image": "acme/ml-base:1.4",
        "provision_instance_timeout": 30,
        "main_dir": "main",
        "dependency_file_path": "main/requirements.txt",
    },
}
CASES = [(name, "artifact") for name in DEFINITIONS] + [("full", "git")]


def k8s():
    """The kubernetes backend's settings slice, read now (tests set variables per case)."""
    return get_settings().kubernetes


def automation(**build_fields) -> Automation:
    build_spec = {"git_uri": "https://github.com/acme/models.git#churn", **build_fields}
    loaded = make_automation("churn_model", "churn-model", build_spec=build_spec, source=Path("/defs/churn_model.yaml"))
    return loaded.spec


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    for name in (
        "AUTOMATIONS_K8S_PLACEMENT_FILE",
        "AUTOMATIONS_K8S_ON_FINISH_ACTION",
        "AUTOMATIONS_K8S_SERVICE_ACCOUNT",
        "AUTOMATIONS_K8S_ARTIFACT_MOUNT",
        "AUTOMATIONS_BUILD_IMAGE",
        "AUTOMATIONS_K8S_NAMESPACE",
        "AUTOMATIONS_KANIKO_IMAGE",
        "AUTOMATIONS_REGISTRY_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "registry.example.com/ml")  # the backend has no default registry


def normalise(text: str) -> str:
    """Blank out what changes without our code changing: the random pod-name suffix and provider/runtime versions."""
    text = re.sub(r"(name: (?:build|image)-churn-model)-[a-z0-9]{8}\n", r"\1-<suffix>\n", text)
    text = re.sub(r"airflow_version: .*\n", "airflow_version: <airflow>\n", text)
    text = re.sub(r"image: alpine:.*\n", "image: alpine:<sidecar>\n", text)
    return text.replace(build_pod.runtime_digest(), "<runtime-digest>")


def check(name: str, docs: list[dict]) -> None:
    text = normalise(yaml.safe_dump_all(docs, sort_keys=True))
    path = SNAPSHOTS / f"{name}.yaml"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(), f"{path.name} differs; if intended, refresh with UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("name, source", CASES)
def test_build_pod_snapshot(name, source, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_SOURCE", source)
    check(f"{name}_{source}", build.render(automation(**DEFINITIONS[name]), k8s()))


def test_kaniko_pod_snapshot():
    check("image_kaniko", image.render_image(automation(**DEFINITIONS["full"]), k8s()))


def test_normalise_only_blanks_volatile_parts():
    text = "name: build-churn-model-ab12cd34\nairflow_version: 3.3.2\nimage: alpine:3.24\nimage: python:3.11\n"
    assert normalise(text) == (
        "name: build-churn-model-<suffix>\nairflow_version: <airflow>\nimage: alpine:<sidecar>\nimage: python:3.11\n"
    )
