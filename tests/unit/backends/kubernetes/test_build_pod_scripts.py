"""The build pod's init-container commands, run for real on this machine (git, sh, python; no Kubernetes).

The kubelet's ``$(VAR)`` expansion is reproduced by ``kubelet_expand`` so the exact rendered commands run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from automations.backends.kubernetes import build_pod

pytestmark = pytest.mark.unit


def kubelet_expand(text: str, env: dict[str, str]) -> str:
    """$(NAME) -> env[NAME] when defined, else left as is; $$ -> $ (the kubelet's rules)."""
    return re.sub(
        r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
        lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)),
        text,
    )


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def repo(tmp_path) -> tuple[Path, str, str]:
    origin = tmp_path / "origin"
    (origin / "churn" / "main").mkdir(parents=True)
    git(origin, "init", "-q", "-b", "main")
    (origin / "churn" / "main" / "model.py").write_text("VERSION = 1\n")
    git(origin, "add", ".")
    git(origin, "commit", "-q", "-m", "v1")
    first = git(origin, "rev-parse", "HEAD")
    (origin / "churn" / "main" / "model.py").write_text("VERSION = 2\n")
    git(origin, "commit", "-q", "-am", "v2")
    return origin, first, git(origin, "rev-parse", "HEAD")


def run_git_script(tmp_path: Path, origin: Path, commit: str, token: str | None) -> subprocess.CompletedProcess:
    workspace = tmp_path / "ws"
    workspace.mkdir(exist_ok=True)
    script = build_pod.GIT_SCRIPT.replace(build_pod.WORKSPACE, str(workspace))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "GIT_REPO": origin.as_uri(),
        "GIT_BRANCH": "main",
        "GIT_SUBDIR": "churn",
        build_pod.ENV_COMMIT: commit,
    }
    if token:
        env[build_pod.ENV_GIT_TOKEN] = token
    return subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("token", [None, "ghp_not_used_by_file_urls"])
def test_git_init_container_checks_out_exactly_the_pinned_commit(tmp_path, repo, token):
    origin, first, _latest = repo
    done = run_git_script(tmp_path, origin, first, token)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ws" / "src" / "main" / "model.py").read_text() == "VERSION = 1\n"
    assert token is None or token not in done.stdout + done.stderr


def test_git_init_container_fails_for_an_unknown_commit(tmp_path, repo):
    origin, _first, _latest = repo
    done = run_git_script(tmp_path, origin, "0123456789abcdef0123456789abcdef01234567", None)
    assert done.returncode != 0
    assert not (tmp_path / "ws" / "src").exists()


def test_artifact_init_container_unpacks_the_clone_tarball(tmp_path):
    model = tmp_path / "model"
    (model / "main").mkdir(parents=True)
    (model / "main" / "model.py").write_text("X = 1\n")
    tarball = tmp_path / "src.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:  # the layout artifacts.upload_dir_as_tar produces
        tar.add(model, arcname=".")
    plan = build_pod.plan(_automation(), _settings())
    command = build_pod.pod_template(plan)["spec"]["initContainers"][0]["command"]
    env = {build_pod.ENV_SOURCE_TARBALL: str(tarball)}
    argv = [kubelet_expand(part, env).replace(build_pod.SOURCE_DIR, str(tmp_path / "src")) for part in command]
    assert argv[0] == "python"
    subprocess.run([sys.executable, *argv[1:]], check=True)
    assert (tmp_path / "src" / "main" / "model.py").read_text() == "X = 1\n"


def test_git_mode_install_copies_the_clone_dependency_list_into_the_checkout(tmp_path, repo):
    from model_runtime import contract

    origin, first, _latest = repo
    assert run_git_script(tmp_path, origin, first, None).returncode == 0
    listed = tmp_path / "artifacts" / "m" / "sources" / f"{first}.dependencies.json"  # what clone wrote beside it
    listed.parent.mkdir(parents=True)
    warnings = ("dropped the python pin 'python=3.9'",)
    contract.DependencyList(("numpy==1.26.*",), warnings, "main/conda.yml").write(listed)
    plan = build_pod.plan(_automation(), _settings().replace(source="git"))
    script = build_pod.install_script(plan)
    copy = next(line for line in script.splitlines() if line.startswith("cp "))  # before the venv and the install
    assert script.splitlines().index(copy) == 1
    command = kubelet_expand(copy, {build_pod.ENV_DEPENDENCIES: str(listed)})
    subprocess.run(["sh", "-c", command.replace(build_pod.WORKSPACE, str(tmp_path / "ws"))], check=True)
    landed = contract.DependencyList.read(tmp_path / "ws" / "src" / contract.DEPENDENCIES_FILE)
    assert landed.requirements == ("numpy==1.26.*",) and landed.dependency_file == "main/conda.yml"


def test_kubelet_expand_follows_the_kubelet_rules():
    env = {"A": "1"}
    assert kubelet_expand("$(A)/$(B)/$$(A)/$(git rev-parse HEAD)", env) == "1/$(B)/$(A)/$(git rev-parse HEAD)"


def _automation():
    from automations.spec import Automation

    spec = Automation.model_validate(
        {"name": "m", "model_id": "m", "action": {"build_spec": {"git_uri": "https://example.com/r.git#churn"}}}
    )
    return spec


def _settings():
    from automations.settings import get_settings

    return get_settings().kubernetes
