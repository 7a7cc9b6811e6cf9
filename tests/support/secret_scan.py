"""Where a planted secret could have gone, searched byte for byte: files, SQLite tables, text, Docker images.

Each function returns a list of findings (``where: needle-prefix...``) so a test can report a count per place and
assert that every list is empty. Needles are shown by their first characters only, so a failing test does not
print the secret either.
"""

from __future__ import annotations

import json
import posixpath
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


def in_images(refs: list[str], needles: list[bytes]) -> tuple[dict[str, int], list[str]]:
    """``docker save`` of every ref into one archive, then every layer's every file plus every image config and
    the manifest. Images built on one base share its layers: the archive holds each layer once, so each is scanned
    once (scanning it per image would read the same bytes again). Returns (layers scanned of each ref, findings)."""
    found: list[str] = []
    scanned: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="image-scan-") as tmp:
        archive = Path(tmp) / "images.tar"
        subprocess.run(["docker", "save", "-o", str(archive), *refs], check=True, capture_output=True, timeout=900)
        with tarfile.open(archive) as outer:
            for member in outer.getmembers():
                handle = outer.extractfile(member) if member.isfile() else None
                if handle is None:
                    continue
                head = handle.read(262)
                handle.seek(0)
                if len(head) > 261 and head[257:262] == b"ustar":  # a layer (docker save leaves them uncompressed)
                    scanned.add(member.name)
                    found += _scan_tar(f"layer {member.name}", handle, needles)
                else:
                    found += in_bytes(f"image archive {member.name}", handle.read(), needles)
            manifest = outer.extractfile("manifest.json")
            assert manifest is not None, "docker save wrote no manifest.json"
            entries = json.loads(manifest.read())
            layers = {ref: _scanned_layers(outer, _entry(ref, entries), scanned) for ref in refs}
    return layers, found


def _entry(ref: str, entries: list[dict]) -> dict:
    """The manifest.json entry of ``ref``: a tag, or an image ID (its config's digest)."""
    for entry in entries:
        tagged = ref in (entry.get("RepoTags") or [])
        if tagged or (ref.startswith("sha256:") and ref.removeprefix("sha256:") in entry["Config"]):
            return entry
    raise AssertionError(f"docker save's manifest.json has no entry for {ref}")


def _scanned_layers(archive: tarfile.TarFile, entry: dict, scanned: set[str]) -> int:
    """How many of the entry's layers were scanned as layers (a layer stored twice is a symlink to the first)."""
    count = 0
    for path in entry["Layers"]:
        member = archive.getmember(path)
        if member.issym():
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), member.linkname))
        count += path in scanned
    return count
