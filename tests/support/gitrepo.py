"""Real git repositories for tests, made with GitPython."""

from __future__ import annotations

import shutil
from pathlib import Path

from git import Actor, Repo

AUTHOR = Actor("Test Author", "tests@example.com")


def make_repo(path: Path, files: dict[str, str], branch: str = "main") -> Repo:
    """A repository at ``path`` with ``files`` (relative path -> content) committed on ``branch``."""
    repo = Repo.init(path, initial_branch=branch)
    commit_files(repo, files, "initial")
    return repo


def commit_files(repo: Repo, files: dict[str, str], message: str) -> str:
    root = Path(repo.working_tree_dir)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    repo.git.add(A=True)
    return repo.index.commit(message, author=AUTHOR, committer=AUTHOR).hexsha


def copy_tree_into_repo(repo: Repo, source: Path, subdir: str, message: str) -> str:
    """Replace ``subdir`` in the repo with a copy of ``source`` and commit; returns the commit SHA."""
    target = Path(repo.working_tree_dir) / subdir
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
    repo.git.add(A=True)
    return repo.index.commit(message, author=AUTHOR, committer=AUTHOR).hexsha
