"""clone against real git repositories: sparse, shallow, pinned, and credentials never persisted."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
from tests.support.gitrepo import commit_files, make_repo

from automations import Automation
from automations.loader import LoadedAutomation
from automations.settings import get_settings
from automations.steps.clone import CloneError, git_env, redact_url, run_clone
from model_runtime import contract

pytestmark = pytest.mark.unit

MODEL_FILES = {
    "models/iris/main/__init__.py": "",
    "models/iris/main/model.py": "class M: pass\n",
    "models/iris/tests/test_m.py": "def test_x(): assert True\n",
    "models/other/main/model.py": "other\n",
    "README.md": "root\n",
}


@pytest.fixture
def settings(tmp_path):
    return get_settings().replace(state_dir=tmp_path / "state", artifact_root=(tmp_path / "store").as_uri())


def automation(uri: str, **build) -> LoadedAutomation:
    spec = Automation.model_validate(
        {"name": "clone_me", "model_id": "m", "action": {"build_spec": {"git_uri": uri, **build}}}
    )
    return LoadedAutomation(spec, Path("defs/clone_me.yaml"))


def members(uri: str) -> set[str]:
    with tarfile.open(uri.removeprefix("file://")) as tar:
        return {m.name.removeprefix("./") for m in tar.getmembers() if m.isfile()}


def test_clone_pins_the_commit_and_ships_only_the_model_directory(tmp_path, settings):
    repo = make_repo(tmp_path / "src", MODEL_FILES)
    result = run_clone(automation(f"file://{tmp_path}/src#models/iris"), None, settings).to_xcom()
    assert result["commit"] == repo.head.commit.hexsha
    assert result["branch"] == "main" and result["subdir"] == "models/iris"
    assert members(result["source_uri"]) == {
        "main/__init__.py",
        "main/model.py",
        "tests/test_m.py",
        contract.DEPENDENCIES_FILE,  # what install installs, translated here
    }


def test_clone_translates_the_dependency_file_into_the_tarball_and_beside_it(tmp_path, settings):
    conda = "dependencies:\n  - python=3.9\n  - numpy=1.26\n  - pip:\n      - pandas>=2\n"
    make_repo(tmp_path / "src", {**MODEL_FILES, "models/iris/main/conda.yml": conda})
    result = run_clone(automation(f"file://{tmp_path}/src#models/iris"), None, settings)
    with tarfile.open(result.source_uri.removeprefix("file://")) as tar:
        member = tar.extractfile(f"./{contract.DEPENDENCIES_FILE}")
        packed = json.loads(member.read()) if member else {}
    beside = Path(result.source_uri.removeprefix("file://")).with_name(f"{result.commit}.dependencies.json")
    assert packed == json.loads(beside.read_text())
    assert packed["requirements"] == ["numpy==1.26.*", "pandas>=2"]
    assert packed["dependency_file"] == "main/conda.yml"
    assert [w.split(" ", 3)[:3] for w in packed["warnings"]] == [["dropped", "the", "python"]]


def test_a_dependency_file_that_cannot_be_read_fails_the_clone_with_its_name(tmp_path, settings):
    make_repo(tmp_path / "src", {**MODEL_FILES, "models/iris/main/conda.yml": "dependencies: [numpy\n"})
    with pytest.raises(CloneError, match="clone_me: conda.yml is not valid YAML"):
        run_clone(automation(f"file://{tmp_path}/src#models/iris"), None, settings)
    with pytest.raises(CloneError, match="dependency file 'nope.txt' not found"):
        run_clone(automation(f"file://{tmp_path}/src#models/iris", dependency_file_path="nope.txt"), None, settings)


def test_branch_param_overrides_the_definition(tmp_path, settings):
    repo = make_repo(tmp_path / "src", MODEL_FILES)
    repo.git.checkout("-b", "feature")
    feature_sha = commit_files(repo, {"models/iris/main/extra.py": "x = 1\n"}, "feature work")
    result = run_clone(automation(f"file://{tmp_path}/src#models/iris"), "feature", settings).to_xcom()
    assert result["commit"] == feature_sha and "main/extra.py" in members(result["source_uri"])


def test_missing_main_dir_is_a_clear_error(tmp_path, settings):
    make_repo(tmp_path / "src", MODEL_FILES)
    with pytest.raises(
        CloneError, match=r"main_dir 'src' not found in the model directory \(found: \['main', 'tests'\]\)"
    ):
        run_clone(automation(f"file://{tmp_path}/src#models/iris", main_dir="src"), None, settings)


def test_unknown_branch_is_a_clear_error(tmp_path, settings):
    make_repo(tmp_path / "src", MODEL_FILES)
    with pytest.raises(CloneError, match="at branch 'nope'"):
        run_clone(automation(f"file://{tmp_path}/src#models/iris"), "nope", settings)


def test_option_like_branch_param_is_rejected_before_git_runs(tmp_path, settings):
    with pytest.raises(CloneError, match="refused before git ran: .*git option"):
        run_clone(automation(f"file://{tmp_path}/src#models/iris"), "--upload-pack=touch /tmp/x", settings)


def test_token_travels_only_in_the_child_environment(tmp_path):
    spec = automation("https://example.com/r.git", git_access_token_secret="gh_token").spec
    env = git_env(spec.action.build_spec, lambda name: "s3cr3t-token-value", tmp_path)
    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
    assert "s3cr3t-token-value" not in repr(
        {k: v for k, v in env.items() if k.startswith("GIT_") and k != "GIT_CONFIG_VALUE_0"}
    )


def test_token_is_not_written_to_git_config_or_the_result(tmp_path, settings, monkeypatch):
    make_repo(tmp_path / "src", MODEL_FILES)
    secret = "ghp_supersecretvalue123"
    result = run_clone(
        automation(f"file://{tmp_path}/src#models/iris", git_access_token_secret="tok"),
        None,
        settings,
        lookup=lambda name: secret,
    )
    assert secret not in repr(result)
    leftovers = [
        p for p in settings.workspaces_dir.rglob("*") if p.is_file() and secret in p.read_text(errors="ignore")
    ]
    assert leftovers == []


def test_redact_url_drops_inline_credentials():
    assert redact_url("https://user:pw@git.example.com:8443/r.git") == "https://git.example.com:8443/r.git"
    assert redact_url("file:///srv/r.git") == "file:///srv/r.git"
