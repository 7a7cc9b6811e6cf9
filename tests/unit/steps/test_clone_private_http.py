"""clone against a private repository over smart HTTP whose server really checks the token."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.support.git_http import bare_copy, private_git_server
from tests.support.gitrepo import make_repo

from automations import Automation
from automations.loader import LoadedAutomation
from automations.settings import get_settings
from automations.steps.clone import CloneError, clone, git_env, run_clone

pytestmark = pytest.mark.unit

TOKEN = "ghp_PlantedCloneToken0123456789abcd"
MODEL = {"m/main/__init__.py": "", "m/main/model.py": "class M: pass\n"}


@pytest.fixture
def served(tmp_path):
    make_repo(tmp_path / "src", MODEL)
    bare_copy(tmp_path / "src", tmp_path / "served", "models.git")
    with private_git_server(tmp_path / "served", TOKEN) as (url, seen):
        yield f"{url}/models.git", seen


@pytest.fixture
def settings(tmp_path):
    return get_settings().replace(state_dir=tmp_path / "state", artifact_root=(tmp_path / "store").as_uri())


def automation(uri: str) -> LoadedAutomation:
    spec = Automation.model_validate(
        {
            "name": "private",
            "model_id": "m",
            "action": {"build_spec": {"git_uri": uri, "git_access_token_secret": "git_token"}},
        }
    )
    return LoadedAutomation(spec, Path("defs/private.yaml"))


def _files_holding(root: Path, needle: str) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_the_right_token_clones_and_lands_nowhere_on_disk(served, settings, tmp_path):
    url, seen = served
    result = run_clone(automation(f"{url}#m"), None, settings, lookup=lambda name: TOKEN).to_xcom()
    assert result["subdir"] == "m" and any(line.endswith(" ok") for line in seen)
    assert TOKEN not in repr(result)
    assert _files_holding(tmp_path / "state", TOKEN) == [] and _files_holding(tmp_path / "store", TOKEN) == []


def test_the_cloned_git_config_holds_no_token(served, tmp_path):
    url, _ = served
    build = automation(f"{url}#m").spec.action.build_spec
    dest = tmp_path / "kept-clone"
    clone(url, "main", "m", dest, {**os.environ, **git_env(build, lambda name: TOKEN, tmp_path)})
    config = (dest / ".git" / "config").read_text()
    assert "[remote" in config and TOKEN not in config and "Authorization" not in config


def test_a_wrong_token_fails_the_clone_clearly_without_echoing_it(served, settings):
    url, seen = served
    with pytest.raises(CloneError) as caught:
        run_clone(automation(f"{url}#m"), None, settings, lookup=lambda name: "ghp_WrongToken0123")
    message = str(caught.value)
    assert "git could not clone" in message and "authentication failed: the repository needs credentials" in message
    assert "ghp_WrongToken0123" not in message and all(line.endswith(" refused") for line in seen)


def test_no_token_at_all_says_credentials_are_needed(served, settings):
    url, _ = served
    spec = automation(f"{url}#m").spec
    build = spec.action.build_spec.model_copy(update={"git_access_token_secret": None})
    bare = LoadedAutomation(
        spec.model_copy(update={"action": spec.action.model_copy(update={"build_spec": build})}), Path("d.yaml")
    )
    with pytest.raises(CloneError, match="authentication failed: the repository needs credentials"):
        run_clone(bare, None, settings)


def test_a_token_in_the_url_itself_never_shows_in_the_error(served, settings):
    url, _ = served
    with_token = url.replace("http://", "http://x-access-token:ghp_WrongInUrl0123@")
    with pytest.raises(CloneError) as caught:
        run_clone(automation(f"{with_token}#m"), None, settings, lookup=lambda name: "wrong")
    assert "ghp_WrongInUrl0123" not in str(caught.value)


def test_a_branch_gone_fails_the_clone_clearly(served, settings):
    url, _ = served
    with pytest.raises(CloneError, match="at branch 'gone'"):
        run_clone(automation(f"{url}#m"), "gone", settings, lookup=lambda name: TOKEN)


def test_a_wrong_token_or_a_gone_branch_is_not_worth_a_retry(served, settings):
    url, _ = served
    with pytest.raises(CloneError) as wrong_token:
        run_clone(automation(f"{url}#m"), None, settings, lookup=lambda name: "ghp_WrongToken0123")
    with pytest.raises(CloneError) as gone:
        run_clone(automation(f"{url}#m"), "gone", settings, lookup=lambda name: TOKEN)
    assert (wrong_token.value.transient, gone.value.transient) == (False, False)


def test_a_connection_cut_mid_pack_fails_the_clone_as_transient(tmp_path, settings):
    make_repo(tmp_path / "src", {**MODEL, "m/main/data.txt": "x" * 20000})
    bare_copy(tmp_path / "src", tmp_path / "served", "models.git")
    with private_git_server(tmp_path / "served", TOKEN, cut_pack_after=300) as (url, _):
        with pytest.raises(CloneError) as caught:
            run_clone(automation(f"{url}/models.git#m"), None, settings, lookup=lambda name: TOKEN)
    assert caught.value.transient, str(caught.value)
    assert "git could not clone" in str(caught.value) and TOKEN not in str(caught.value)
