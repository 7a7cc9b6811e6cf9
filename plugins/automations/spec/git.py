"""Validation of git locations: ``repo.git#sub/dir`` and branch names that git cannot mistake for options."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, StrictStr

_ALLOWED_SCHEMES = ("https://", "http://", "ssh://", "file://")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:[^/]")
_BAD_REF_CHARS = re.compile(r"[\s~^:?*\[\\\x00-\x1f\x7f]")


class GitLocation(NamedTuple):
    repo: str
    subdir: str


def split_git_uri(uri: str) -> GitLocation:
    repo, _, subdir = uri.partition("#")
    return GitLocation(repo, subdir.strip("/"))


def check_git_uri(uri: str) -> str:
    repo, subdir = uri.partition("#")[0], uri.partition("#")[2]
    if repo.startswith("-") or "::" in repo:
        raise ValueError(f"git_uri {repo!r} could be taken as a git option or transport (leading '-' or '::')")
    if not (repo.startswith(_ALLOWED_SCHEMES) or _SCP_LIKE.match(repo)):
        raise ValueError(f"git_uri {repo!r} must be https://, http://, ssh://, user@host:path or file://")
    if subdir.startswith("/"):
        raise ValueError(f"git_uri sub-directory {subdir!r} must be relative to the repository")
    if ".." in PurePosixPath(subdir).parts:
        raise ValueError(f"git_uri sub-directory {subdir!r} must not contain '..'")
    return uri


def check_branch(branch: str) -> str:
    if not branch or branch.startswith("-"):
        raise ValueError(f"git_branch {branch!r} could be taken as a git option (empty or leading '-')")
    if ".." in branch or "@{" in branch or branch.endswith((".lock", "/", ".")) or _BAD_REF_CHARS.search(branch):
        raise ValueError(f"git_branch {branch!r} is not a valid git branch name")
    return branch


GitUri = Annotated[StrictStr, AfterValidator(check_git_uri)]
GitBranch = Annotated[StrictStr, AfterValidator(check_branch)]
