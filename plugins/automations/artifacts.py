"""The artifact store: sources and model artifacts under ``AUTOMATIONS_ARTIFACT_ROOT`` (file://, s3://, gs://...).

Uses Airflow's ObjectStoragePath so the embedded default and cloud stores share one code path.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

from .settings import SharedSettings


def store_path(settings: SharedSettings, *parts: str):  # -> ObjectStoragePath (imported lazily: heavy)
    from airflow.sdk import ObjectStoragePath

    path = ObjectStoragePath(settings.artifact_root)
    for part in parts:
        path = path / part
    return path


def upload_dir_as_tar(local_dir: Path, target) -> str:
    """Pack ``local_dir`` into a .tar.gz at ``target`` (an ObjectStoragePath) and return its URI."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "dir.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(local_dir, arcname=".")
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open("rb") as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
    return str(target)


def upload_tree(local_dir: Path, target) -> str:  # target: ObjectStoragePath (heavy import kept out)
    """Copy every file below ``local_dir`` to the same relative path under ``target``; return the target's URI.

    A link that resolves outside ``local_dir`` is refused, not followed: the build's output must not carry a file
    of the worker's into the store. Bytecode caches are not copied.
    """
    root = local_dir.resolve()
    try:
        for path in sorted(local_dir.rglob("*")):
            if not _inside(path.resolve(), root):
                raise ValueError(f"{path} is a link to outside {local_dir}; refusing to upload it")
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            dest = target / path.relative_to(local_dir).as_posix()
            dest.parent.mkdir(parents=True, exist_ok=True)
            with path.open("rb") as src, dest.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    except OSError as exc:  # a full disk, no permission: never leave half an artifact a deploy could pick up
        _remove(target)
        raise ArtifactStoreError(f"storing the build's artifact at {target} failed: {exc.strerror or exc}") from exc
    return str(target)


class ArtifactStoreError(OSError):
    """Storing a build's output failed; the partial copy has been removed from the store."""


def _remove(target) -> None:
    try:
        if target.exists():
            target.rmdir(recursive=True)
    except OSError:
        pass  # the original error is the one to report


def download_tree(source_uri: str, local_dir: Path) -> Path:
    """Copy the directory tree at ``source_uri`` into ``local_dir``, refusing paths that would escape it."""
    from airflow.sdk import ObjectStoragePath

    source = ObjectStoragePath(str(source_uri))
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


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def download_tar_to_dir(source_uri: str, local_dir: Path) -> Path:
    """Unpack the .tar.gz at ``source_uri`` into ``local_dir``, refusing members that escape it."""
    from airflow.sdk import ObjectStoragePath

    local_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "dir.tar.gz"
        with ObjectStoragePath(source_uri).open("rb") as src, archive.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        with tarfile.open(archive, "r:gz") as tar:
            _extract(tar, local_dir)
    return local_dir


def _extract(tar: tarfile.TarFile, local_dir: Path) -> None:
    if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
        tar.extractall(local_dir, filter="data")
        return
    # Debian 12's own python3 is 3.11.2, older than extraction filters: refuse what the "data" filter refuses.
    root = local_dir.resolve()
    for member in tar.getmembers():
        target = (root / member.name).resolve()
        link_base = root if member.islnk() else target.parent
        escapes = not target.is_relative_to(root) or (
            (member.issym() or member.islnk()) and not (link_base / member.linkname).resolve().is_relative_to(root)
        )
        if escapes or member.isdev() or Path(member.name).is_absolute():
            raise tarfile.TarError(f"refusing archive member {member.name!r}: it would land outside {local_dir}")
    tar.extractall(local_dir)  # noqa: S202 - every member was checked above
