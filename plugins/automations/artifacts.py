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
