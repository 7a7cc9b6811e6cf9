"""model_runtime reaches every build and serving image one way (runtime_package), and the serving image has one
Dockerfile (serving_image) whatever backend builds it."""

from __future__ import annotations

import re

import pytest

from automations import runtime_package, serving_image
from model_runtime import contract

pytestmark = pytest.mark.unit


def _shipped(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_copy_holds_the_package_modules_and_nothing_cached(tmp_path):
    package = runtime_package.copy_to(tmp_path)
    assert package == tmp_path / contract.MODULE
    shipped = _shipped(package)
    assert "contract.py" in shipped and "__main__.py" in shipped
    assert shipped == {p.name: p.read_bytes() for p in runtime_package.MODULE_DIR.glob("*.py")}
    assert not [name for name in shipped if "__pycache__" in name or name.endswith(".pyc")]


def test_keep_existing_leaves_a_staged_copy_alone(tmp_path):
    package = runtime_package.copy_to(tmp_path)
    (package / "contract.py").write_text("# staged earlier")
    runtime_package.copy_to(tmp_path, keep_existing=True)
    assert (package / "contract.py").read_text() == "# staged earlier"
    runtime_package.copy_to(tmp_path)
    assert (package / "contract.py").read_bytes() == (runtime_package.MODULE_DIR / "contract.py").read_bytes()


def test_digest_names_a_folder():
    assert re.fullmatch(r"[0-9a-f]{16}", runtime_package.digest())


def test_the_local_build_gets_the_same_copy(tmp_path):
    from automations.backends.local.environment import copy_runtime

    (tmp_path / "rt" / contract.MODULE).mkdir(parents=True)
    (tmp_path / "rt" / contract.MODULE / "stale.py").write_text("from an older build")
    root = copy_runtime(tmp_path / "rt")
    assert _shipped(root / contract.MODULE) == _shipped(runtime_package.copy_to(tmp_path / "reference"))


def test_docker_and_kubernetes_serving_images_differ_only_in_labels_and_user(monkeypatch):
    from automations.backends.docker.image import render_dockerfile
    from automations.backends.kubernetes import image
    from automations.settings import get_settings
    from automations.spec import Automation

    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "localhost:5000")
    spec = Automation.model_validate({
        "name": "img", "model_id": "img-model",
        "action": {"build_spec": {"git_uri": "file:///r.git#m", "base_image": "acme/ml:1",
                                  "dependency_file_path": "main/req.txt"}},
    })
    kubernetes = image.dockerfile(image.plan(spec, get_settings().kubernetes)).splitlines()
    docker = render_dockerfile("acme/ml:1", {"io.automations.model_id": "img-model"})
    docker_lines = docker.splitlines()
    assert [line for line in docker_lines if not line.startswith("LABEL ")] == [
        line for line in kubernetes if not line.startswith("USER ")
    ]
    assert f"ENV PYTHONPATH={serving_image.RUNTIME_ROOT} PYTHONUNBUFFERED=1" in kubernetes
