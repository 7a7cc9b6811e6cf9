"""Git input hardening: refused before git runs, git's own protocol allow-list, symlinks, credentials in messages."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import git
import pytest
from tests.support.gitrepo import commit_files, make_repo

from automations import Automation
from automations.loader import LoadedAutomation
from automations.settings import get_settings
from automations.steps.clone import CloneError, clone, run_clone
from automations.steps.git_safety import (
    escaping_links,
    protocol_env,
    redact_url,
    scrub_credentials,
    transport,
)

pytestmark = pytest.mark.unit

MODEL = {"m/main/__init__.py": "", "m/main/model.py": "class M: pass\n"}


@pytest.fixture
def settings(tmp_path):
    return get_settings().replace(state_dir=tmp_path / "state", artifact_root=(tmp_path / "store").as_uri())


@pytest.fixture
def sentinel(tmp_path):
    """A file that any smuggled command would create: it must never exist."""
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a smuggled git option or transport ran a command"


def automation(uri: str) -> LoadedAutomation:
    """An automation whose git_uri skipped the schema (as model_construct or a param could): run time re-checks."""
    spec = Automation.model_validate(
        {"name": "hardened", "model_id": "m", "action": {"build_spec": {"git_uri": "https://example.com/r.git"}}}
    )
    build = spec.action.build_spec.model_copy(update={"git_uri": uri})
    spec = spec.model_copy(update={"action": spec.action.model_copy(update={"build_spec": build})})
    return LoadedAutomation(spec, Path("defs/hardened.yaml"))


@pytest.fixture
def git_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        pytest.fail(f"git ran for a source that must be refused first: {args[:1]}")

    monkeypatch.setattr(git.Repo, "clone_from", refuse)


SMUGGLED_URIS = [
    "--upload-pack=touch {sentinel}",
    "-c core.sshCommand=touch {sentinel}",
    "--config=core.sshCommand=touch {sentinel}",
    "ext::sh -c touch% {sentinel}",
    "fd::17",
    "git://example.com/r.git",
    "ftp://example.com/r.git",
    "{tmp}/plain/local/path",
    "https://example.com/r.git#../../etc",
    "https://example.com/r.git#m/../../..",
]


@pytest.mark.parametrize("uri", SMUGGLED_URIS)
def test_smuggled_options_and_transports_in_git_uri_are_refused_before_git_runs(
    uri, tmp_path, settings, sentinel, git_must_not_run
):
    with pytest.raises(CloneError, match="refused before git ran"):
        run_clone(automation(uri.format(sentinel=sentinel, tmp=tmp_path)), None, settings)


@pytest.mark.parametrize(
    "branch", ["-x", "--upload-pack=touch {sentinel}", "-c", "--config=x=y", "a..b", "main\nx", "@{-1}"]
)
def test_smuggled_branches_are_refused_before_git_runs(branch, tmp_path, settings, sentinel, git_must_not_run):
    with pytest.raises(CloneError, match="refused before git ran"):
        run_clone(automation(f"file://{tmp_path}/src#m"), branch.replace("{sentinel}", str(sentinel)), settings)


def test_file_transport_is_allowed_by_default_and_a_setting_forbids_it(tmp_path, settings, monkeypatch):
    make_repo(tmp_path / "src", MODEL)
    assert run_clone(automation(f"file://{tmp_path}/src#m"), None, settings).subdir == "m"
    monkeypatch.setenv("AUTOMATIONS_GIT_ALLOW_FILE", "false")
    forbidding = get_settings().replace(state_dir=settings.state_dir, artifact_root=settings.artifact_root)
    with pytest.raises(CloneError, match=r"transport 'file' .* AUTOMATIONS_GIT_ALLOW_FILE=false"):
        run_clone(automation(f"file://{tmp_path}/src#m"), None, forbidding)


def test_git_itself_refuses_a_transport_off_the_allow_list(tmp_path):
    """Defence in depth: even a caller that skips check_source gets git's own GIT_ALLOW_PROTOCOL refusal."""
    make_repo(tmp_path / "src", MODEL)
    env = {**os.environ, **protocol_env(allow_file=False)}
    with pytest.raises(CloneError, match="transport 'file' not allowed"):
        clone(f"file://{tmp_path}/src", "main", "m", tmp_path / "dest", env)


def test_submodules_are_never_fetched(tmp_path, settings, sentinel):
    repo = make_repo(tmp_path / "src", MODEL)
    commit_files(
        repo,
        {".gitmodules": f'[submodule "evil"]\n\tpath = m/evil\n\turl = ext::sh -c touch% {sentinel}\n'},
        "a submodule with a command for a URL",
    )
    result = run_clone(automation(f"file://{tmp_path}/src#m"), None, settings).to_xcom()
    assert result["subdir"] == "m"


def _repo_with_link(tmp_path: Path, link: str, target: str) -> None:
    repo = make_repo(tmp_path / "src", MODEL)
    os.symlink(target, Path(repo.working_tree_dir) / link)
    repo.git.add(A=True)
    repo.index.commit("a symlink")


@pytest.mark.parametrize(
    "link, target",
    [
        ("m/main/data.csv", "/etc/passwd"),
        ("m/main/up.csv", "../../../../../../../../etc/hostname"),
        ("m/main/home", os.path.expanduser("~")),
    ],
)
def test_a_symlink_out_of_the_clone_fails_the_clone_so_the_build_never_reads_it(tmp_path, settings, link, target):
    _repo_with_link(tmp_path, link, target)
    with pytest.raises(CloneError, match="symlinks point outside the repository"):
        run_clone(automation(f"file://{tmp_path}/src#m"), None, settings)
    assert not list(Path(settings.artifact_root.removeprefix("file://")).rglob("*.tar.gz")), "nothing is uploaded"


def test_a_model_directory_that_is_a_link_out_of_the_repository_is_refused(tmp_path, settings):
    outside = tmp_path / "outside"
    (outside / "main").mkdir(parents=True)
    _repo_with_link(tmp_path, "linked", str(outside))
    with pytest.raises(CloneError, match="outside the repository"):
        run_clone(automation(f"file://{tmp_path}/src#linked"), None, settings)


def test_a_symlink_inside_the_clone_is_kept(tmp_path, settings):
    _repo_with_link(tmp_path, "m/main/alias.py", "model.py")
    assert run_clone(automation(f"file://{tmp_path}/src#m"), None, settings).subdir == "m"


def test_escaping_links_lists_only_links_that_leave_the_root(tmp_path):
    (tmp_path / "root" / "d").mkdir(parents=True)
    os.symlink("/etc", tmp_path / "root" / "d" / "etc")
    os.symlink("d", tmp_path / "root" / "inner")
    assert escaping_links(tmp_path / "root") == ["d/etc -> /etc"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("userinfo", ["x-access-token:ghp_InUrlToken0123456789", "ghp_InUrlToken0123456789"])
def test_a_token_in_the_url_itself_is_scrubbed_from_clone_errors_and_results(tmp_path, settings, userinfo):
    uri = f"https://{userinfo}@127.0.0.1:{_closed_port()}/r.git#m"
    with pytest.raises(CloneError) as caught:
        run_clone(automation(uri), None, settings)
    message = str(caught.value)
    assert "ghp_InUrlToken0123456789" not in message and "git could not clone https://127.0.0.1:" in message


def test_scrub_credentials_in_free_text():
    text = "fatal: unable to access 'https://u:s3cret@git.example.com/r.git/': and http://tok@h:80/x and ssh://a@b/c"
    scrubbed = scrub_credentials(text)
    assert "s3cret" not in scrubbed and "tok@" not in scrubbed and "a@b" not in scrubbed
    assert "https://***@git.example.com/r.git/" in scrubbed


def test_redact_url_and_transport():
    assert redact_url("https://user:pw@git.example.com:8443/r.git") == "https://git.example.com:8443/r.git"
    assert redact_url("https://ghp_tok@git.example.com/r.git") == "https://git.example.com/r.git"
    assert redact_url("file:///srv/r.git") == "file:///srv/r.git"
    assert transport("git@github.com:org/r.git") == "ssh" and transport("HTTPS://h/r") == "https"
