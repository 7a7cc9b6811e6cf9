"""Where a planted secret could have gone, searched byte for byte: files, SQLite tables, text, Docker images.

Each function returns a list of findings (``where: needle-prefix...``) so a test can report a count per place and
assert that every list is empty. Needles are shown by their first characters only, so a failing test does not
print the secret either.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path


def _label(needle: bytes) -> str:
    return f"{needle[:6]!r}..."


def in_bytes(where: str, data: bytes, needles: list[bytes]) -> list[str]:
    return [f"{where}: {_label(n)}" for n in needles if n in data]


def in_text(where: str, text: str, needles: list[bytes]) -> list[str]:
    return in_bytes(where, text.encode(errors="replace"), needles)


def in_files(root: Path, needles: list[bytes], skip: tuple[str, ...] = ()) -> list[str]:
    """Every regular file under ``root`` except those under a directory part named in ``skip``."""
    found: list[str] = []
    if not root.exists():
        return [f"{root}: missing"]
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and not set(path.relative_to(root).parts) & set(skip):
            found += in_bytes(str(path), path.read_bytes(), needles)
    return found


def in_sqlite(db_path: Path, needles: list[bytes]) -> list[str]:
    """Every row of every table, as its repr (XCom, rendered templates, serialized DAGs, DAG docs...)."""
    if not db_path.is_file():
        return [f"{db_path}: missing"]
    db = sqlite3.connect(db_path)
    try:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dumps = {t: repr(db.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}
    finally:
        db.close()
    return [hit for table, text in dumps.items() for hit in in_text(f"{db_path.name} table {table}", text, needles)]


def _scan_tar(where: str, stream, needles: list[bytes]) -> list[str]:
    found: list[str] = []
    with tarfile.open(fileobj=stream, mode="r|*") as layer:
        for member in layer:
            handle = layer.extractfile(member) if member.isfile() else None
            if handle is not None:
                found += in_bytes(f"{where}/{member.name}", handle.read(), needles)
    return found


def in_image(ref: str, needles: list[bytes]) -> tuple[int, list[str]]:
    """``docker save REF``, then every layer's every file plus the image config and manifest. Returns (layers
    scanned, findings)."""
    layers, found = 0, []
    with tempfile.TemporaryDirectory(prefix="image-scan-") as tmp:
        archive = Path(tmp) / "image.tar"
        subprocess.run(["docker", "save", "-o", str(archive), ref], check=True, capture_output=True, timeout=600)
        with tarfile.open(archive) as outer:
            for member in outer.getmembers():
                handle = outer.extractfile(member) if member.isfile() else None
                if handle is None:
                    continue
                head = handle.read(262)
                handle.seek(0)
                if len(head) > 261 and head[257:262] == b"ustar":  # a layer (docker save leaves them uncompressed)
                    layers += 1
                    found += _scan_tar(f"{ref} layer {member.name}", handle, needles)
                else:
                    found += in_bytes(f"{ref} {member.name}", handle.read(), needles)
    return layers, found
