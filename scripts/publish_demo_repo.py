"""Publish include/models/example_classifier as a local git repository for the demo automation to clone.

Idempotent: commits only when the model's files changed, so re-runs build the same commit.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

from git import Actor, Repo

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "include" / "models" / "example_classifier"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
AUTHOR = Actor("automations demo", "demo@localhost")


def publish(repo_dir: Path) -> str:
    repo = Repo(repo_dir) if (repo_dir / ".git").is_dir() else Repo.init(repo_dir, initial_branch="main")
    target = repo_dir / MODEL.name
    if target.is_dir() and _same_tree(MODEL, target) and repo.head.is_valid():
        return repo.head.commit.hexsha
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(MODEL, target, ignore=IGNORE)
    repo.git.add(A=True)
    return repo.index.commit("Publish example_classifier", author=AUTHOR, committer=AUTHOR).hexsha


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__", ".pytest_cache"])
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


if __name__ == "__main__":
    print(publish(Path(sys.argv[1])))
