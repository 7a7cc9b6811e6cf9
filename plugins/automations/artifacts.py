"""The artifact store: sources and model artifacts under ``AUTOMATIONS_ARTIFACT_ROOT`` (file://, s3://, gs://...).

Uses Airflow's ObjectStoragePath so the embedded default and cloud stores share one code path.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

from .settings import Settings


def store_path(settings: Settings, *parts: str):  # -> ObjectStoragePath (imported lazily: heavy)
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
            tar.extractall(local_dir, filter="data")
    return local_dir
