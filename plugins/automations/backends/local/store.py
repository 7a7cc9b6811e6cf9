"""Copy a local directory tree into the artifact store (an ObjectStoragePath: file://, s3://, gs://...)."""

from __future__ import annotations

import shutil
from pathlib import Path


def upload_tree(local_dir: Path, target) -> str:  # target: ObjectStoragePath (heavy import kept out)
    """Copy every file under ``local_dir`` to the same relative path under ``target``; returns its URI."""
    for path in sorted(local_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        dest = target.joinpath(*path.relative_to(local_dir).parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as src, dest.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return str(target)


def download_tree(source, local_dir: Path) -> Path:
    """The reverse of upload_tree, for a deploy on a machine that did not run the build."""
    from airflow.sdk import ObjectStoragePath

    root = ObjectStoragePath(str(source))
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        dest = local_dir.joinpath(*path.relative_to(root).parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as src, dest.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return local_dir
