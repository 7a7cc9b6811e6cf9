"""Copy a build's output directory to and from the artifact store as a directory tree (not one tarball).

The build XCom's ``artifact_uri`` names a directory holding result.json, model.pkl and src/, so anything that
reads one file (the gate, a person browsing the store) needs no unpacking.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def upload_tree(local_dir: Path, target) -> str:
    """Copy every file below ``local_dir`` under ``target`` (an ObjectStoragePath); return the target's URI."""
    for file in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        destination = target / file.relative_to(local_dir).as_posix()
        destination.parent.mkdir(parents=True, exist_ok=True)
        with file.open("rb") as src, destination.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return str(target)


def download_tree(source_uri: str, local_dir: Path) -> Path:
    """Copy the directory tree at ``source_uri`` into ``local_dir``, refusing paths that would escape it."""
    from airflow.sdk import ObjectStoragePath

    source = ObjectStoragePath(source_uri)
    root = local_dir.resolve()
    found = False
    for remote in source.rglob("*"):
        if not remote.is_file():
            continue
        found = True
        local = (root / remote.relative_to(source).as_posix()).resolve()
        if root not in local.parents:
            raise ValueError(f"artifact path {remote} escapes {root}")
        local.parent.mkdir(parents=True, exist_ok=True)
        with remote.open("rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    if not found:
        raise FileNotFoundError(f"no artifact files under {source_uri}")
    return local_dir
