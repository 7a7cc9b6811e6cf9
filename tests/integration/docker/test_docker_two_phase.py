"""Two-phase Docker builds: dependencies install in a container that may reach an index or a wheelhouse, tests and
training run after it with the network off; a retrain with unchanged dependencies installs nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from dockerkit import TINY_MODEL, FakeTaskInstance, clone_xcom, tiny_automation

from automations.backends.docker.build import build_operator
from automations.backends.docker.build_task import DockerBuildFailed
from automations.tasks import XCOM_INPUTS
from model_runtime.serve_deps import SERVER_REQUIREMENTS

pytestmark = [pytest.mark.integration, pytest.mark.docker]

ROOT = Path(__file__).resolve().parents[3]
WHEELHOUSE = ROOT / ".cache" / "wheelhouse"
EXTRA = "tomli-w==1.0.0"  # small, pure Python, not in the base image


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    if not list(WHEELHOUSE.glob("tomli_w-1.0.0-*.whl")):
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        # The server's own requirements too: with only a wheelhouse, the install container has no index at all.
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "-d", str(WHEELHOUSE), EXTRA, *SERVER_REQUIREMENTS],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"cannot download {EXTRA} for the wheelhouse: {done.stderr[-1000:]}")
            pytest.skip(f"cannot download {EXTRA} for the wheelhouse: {done.stderr[-300:]}")
    return WHEELHOUSE


def model_needing(tmp_path: Path) -> Path:
    model = tmp_path / "needs_dep"
    shutil.copytree(TINY_MODEL, model)
    # A unique requirement whose marker is never true: a new dependency list, hence a new dependencies key, so this
    # session's first build really installs (a comment would not do: the list is translated, comments are gone).
    never = f"unique-key-only; sys_platform == 'x{uuid.uuid4().hex}'"
    (model / "main" / "requirements.txt").write_text(f"pandas\n{EXTRA}\n{never}\n")
    # Runs in phase two: the package must be there although that container has no network.
    (model / "tests" / "test_dep.py").write_text("def test_dep_is_installed():\n    import tomli_w  # noqa: F401\n")
    return model


def build(name, tmp_path, model, settings, run):
    operator = build_operator(tiny_automation(name), settings, XCOM_INPUTS)
    ti = FakeTaskInstance({"clone": clone_xcom(tmp_path / run, model)})
    return operator.execute({"ti": ti, "run_id": f"manual__{name}_{run}"})


def test_dependencies_from_a_wheelhouse_then_offline_build_then_reuse(
    tmp_path, docker_settings, cleanup_containers, wheelhouse, capfd
):
    cleanup_containers.append("two_phase")
    settings = docker_settings.replace(wheelhouse=str(wheelhouse), install_network="none", ca_bundle="")
    model = model_needing(tmp_path)
    first = build("two_phase", tmp_path, model, settings, "first")
    log = "".join(capfd.readouterr())  # the task log (Airflow's logging writes to the process's streams)
    assert first["tests"]["passed"] == 3  # the tiny model's two tests and the import of the new package
    assert "installing dependencies in" in log and "Successfully installed" in log and "tomli-w-1.0.0" in log
    second = build("two_phase", tmp_path, model, settings, "second")
    log = "".join(capfd.readouterr())
    assert second["build_image"] == first["build_image"] and second["tests"]["passed"] == 3
    assert "dependencies unchanged: reusing" in log
    assert "Successfully installed" not in log


def test_no_index_reachable_says_so(tmp_path, docker_settings, cleanup_containers):
    cleanup_containers.append("two_phase_offline")
    settings = docker_settings.replace(install_network="none", ca_bundle="")
    with pytest.raises(DockerBuildFailed, match="could not reach the package index"):
        build("two_phase_offline", tmp_path, model_needing(tmp_path), settings, "only")
