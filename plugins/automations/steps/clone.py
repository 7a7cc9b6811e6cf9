"""clone: a shallow, sparse checkout of ``repo#sub/dir`` at a branch, pinned to a commit, uploaded as a tarball.

The model's dependency file is translated here (dependencies.py) into ``contract.DEPENDENCIES_FILE`` inside the
tarball, so every backend's ``install`` gets the same list; a copy sits beside the tarball as
``sources/<commit>.dependencies.json`` for a Kubernetes build pod that clones the repository itself.

Credentials travel only in the git child's environment (``GIT_CONFIG_*`` / ``GIT_SSH_COMMAND``): never in argv,
never in ``.git/config``, never in XCom or logs.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from model_runtime import contract

from ..artifacts import store_path, upload_dir_as_tar
from ..dependencies import DependencyFileError, resolve
from ..loader import LoadedAutomation
from ..runs import CloneResult
from ..settings import Settings
from .git_safety import UnsafeSource, check_checkout, check_source, protocol_env, redact_url, scrub_credentials
from .secrets import SecretLookup, airflow_secret

log = logging.getLogger(__name__)


class CloneError(RuntimeError):
    """The clone failed; ``transient`` when the network did (worth a retry), not the URL, token or branch."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class Checkout:
    commit: str
    model_dir: Path


def run_clone(
    automation: LoadedAutomation, branch: Optional[str], settings: Settings, lookup: SecretLookup = airflow_secret
) -> CloneResult:
    """Clone, check the model layout, upload the model directory, and return what the build needs."""
    build = automation.spec.action.build_spec
    branch = branch or build.git_branch
    repo, subdir = build.location
    try:
        check_source(repo, branch, subdir, settings.git_allow_file)
    except UnsafeSource as exc:
        raise CloneError(f"{automation.name}: refused before git ran: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="clone-", dir=_ensure(settings.workspaces_dir)) as tmp:
        env = {**git_env(build, lookup, Path(tmp)), **protocol_env(settings.git_allow_file)}
        checkout = clone(repo, branch, subdir, Path(tmp) / "repo", env)
        _check_layout(checkout.model_dir, build.main_dir, automation.name)
        listed = write_dependency_list(checkout.model_dir, build.main_dir, build.dependency_file_path, automation.name)
        target = store_path(settings, automation.name, "sources", f"{checkout.commit}.tar.gz")
        source_uri = upload_dir_as_tar(checkout.model_dir, target)
        target.parent.joinpath(f"{checkout.commit}.dependencies.json").write_text(listed.to_json())
    log.info("cloned %s@%s (%s) into %s", redact_url(repo), branch, checkout.commit, source_uri)
    return CloneResult(
        commit=checkout.commit,
        branch=branch,
        source_uri=source_uri,
        repo=redact_url(repo),
        subdir=subdir,
        main_dir=build.main_dir,
    )


def write_dependency_list(
    model_dir: Path, main_dir: str, dependency_file: Optional[str], name: str
) -> contract.DependencyList:
    """Translate the model's dependency file into ``model_dir``'s DEPENDENCIES_FILE; a bad file fails the clone."""
    try:
        listed = resolve(model_dir, main_dir, dependency_file)
    except DependencyFileError as exc:
        raise CloneError(f"{name}: {exc}") from None
    listed.write(model_dir / contract.DEPENDENCIES_FILE)
    log.info(
        "dependencies from %s: %d requirements",
        listed.dependency_file or "no dependency file",
        len(listed.requirements),
    )
    for warning in listed.warnings:  # said again by the build's install, where the build record takes them
        log.warning("dependencies: %s", warning)
    return listed


def clone(repo: str, branch: str, subdir: str, dest: Path, env: dict[str, str]) -> Checkout:
    """Depth-1 clone of one branch, sparse to ``subdir`` when given."""
    from git import GitCommandError, Repo

    try:
        cloned = Repo.clone_from(
            repo,
            dest,
            branch=branch,
            depth=1,
            no_checkout=bool(subdir),
            multi_options=["--filter=blob:none", "--single-branch"] + (["--sparse"] if subdir else []),
            env=env,
            allow_unsafe_options=False,
        )
        if subdir:
            cloned.git.sparse_checkout("set", "--cone", "--", subdir, env=env)
            cloned.git.checkout(branch, env=env)
    except GitCommandError as exc:
        reason = _stderr(exc)
        message = f"git could not clone {redact_url(repo)} at branch {branch!r}: {reason}"
        raise CloneError(message, transient=_network_failure(reason)) from None
    model_dir = dest / subdir if subdir else dest
    try:
        check_checkout(dest, model_dir)
    except UnsafeSource as exc:
        raise CloneError(f"{redact_url(repo)} at {branch!r}: {exc}") from None
    return Checkout(cloned.head.commit.hexsha, model_dir)


_AUTH_FAILURES = ("could not read Username", "Authentication failed", "HTTP Basic: Access denied", "401")
# git's words when the connection, not the request, failed: a retry may succeed.
_NETWORK_FAILURES = (
    "early EOF",
    "unexpected disconnect",
    "the remote end hung up unexpectedly",
    "transfer closed with outstanding read data",
    "Connection reset",
    "Connection timed out",
    "Operation timed out",
    "Could not resolve host",
    "Failed to connect",
    "RPC failed",
    "invalid index-pack output",
)


def _network_failure(reason: str) -> bool:
    return not any(marker in reason for marker in _AUTH_FAILURES) and any(m in reason for m in _NETWORK_FAILURES)


def _stderr(exc: Exception) -> str:
    text = scrub_credentials(" ".join((getattr(exc, "stderr", "") or str(exc)).split())[-500:])
    if any(marker in text for marker in _AUTH_FAILURES):
        # git's own words ("could not read Username ... terminal prompts disabled") hide that the server said no.
        hint = "authentication failed: the repository needs credentials, or the git_access_token_secret was refused"
        return f"{hint} ({text})"
    return text


def _check_layout(model_dir: Path, main_dir: str, name: str) -> None:
    if not model_dir.is_dir():
        raise CloneError(f"{name}: the model directory {model_dir.name!r} does not exist on that branch")
    if not (model_dir / main_dir).is_dir():
        found = sorted(p.name for p in model_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        raise CloneError(f"{name}: main_dir {main_dir!r} not found in the model directory (found: {found})")
    shutil.rmtree(model_dir / ".git", ignore_errors=True)


def git_env(build, lookup: SecretLookup, scratch: Path) -> dict[str, str]:
    """Environment for the git child: non-interactive, plus credentials when the definition names a secret."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"}
    if build.git_access_token_secret:
        token = lookup(build.git_access_token_secret)
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
            }
        )
    if build.git_ssh_token_secret:
        key_file = _write_private(scratch / "ssh_key", lookup(build.git_ssh_token_secret))
        env["GIT_SSH_COMMAND"] = f"ssh -i {key_file} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
    return env


def _write_private(path: Path, content: str) -> Path:
    path.write_text(content if content.endswith("\n") else content + "\n")
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return path


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
