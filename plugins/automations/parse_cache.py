"""Validated definitions shared between the two DAG files and between parse cycles, keyed by content.

The DAG processor parses ``dags/automations.py`` and ``dags/automation_errors.py`` in separate processes, each
every ``min_file_process_interval``, and both need every definition loaded and validated. This cache keeps each
YAML file's result (its validated automations, or its errors) under ``<state_dir>/parse-cache/``, keyed by a
digest of what the result depends on: the file's bytes, the bytes of every ``_defaults.yaml`` merged under it,
its path, the working directory (error messages show paths relative to it) and the code that validates it.
Nothing is keyed by time: an edited file has a new digest and is validated again at the next parse, so a new
error shows at once and a fixed file gets its DAG back.

Never cached, always loaded afresh: Python definitions (running them may read anything), YAML files (or their
defaults) using ``${...}`` (their result depends on the environment, whose values must not be written out), and
files with credentials in a URL (``scheme://user:password@host``), so no secret value reaches the cache.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

import pydantic

from .errors import DefinitionError
from .spec import Automation

log = logging.getLogger(__name__)

DEFAULTS_FILE = "_defaults.yaml"
CACHE_DIR = "parse-cache"
FORMAT = 1
_CREDENTIALS = re.compile(rb"://[^/\s@:]+:[^/\s@]+@")
_PACKAGE = Path(__file__).resolve().parent
# The code a cached result depends on: the schema and the loader's parsing, merging and error wording.
_CODE = ("spec", "loader.py", "merge.py", "errors.py", "interpolate.py", "parse_cache.py")

Entry = tuple[list[Automation], list[DefinitionError]]


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    digest = hashlib.sha256(f"{FORMAT}:{pydantic.VERSION}".encode())
    for name in _CODE:
        path = _PACKAGE / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def cacheable(content: bytes) -> bool:
    return b"${" not in content and not _CREDENTIALS.search(content)


class DefinitionCache:
    """One folder's cached results: read once per load, written back (atomically) only when something changed."""

    def __init__(self, cache_dir: Path, root: Path):
        self.root = root
        where = hashlib.sha256(f"{code_digest()}\0{root}\0{os.getcwd()}".encode()).hexdigest()[:24]
        self.path = cache_dir / f"definitions-{where}.pickle"
        self._entries: dict[str, Entry] | None = None
        self._used: dict[str, Entry] = {}
        self._dirty = False
        self._defaults: dict[Path, bytes | None] = {}
        self._chains: dict[Path, list[bytes]] = {}

    def key(self, file: Path) -> str | None:
        """The digest of everything ``file``'s result depends on, or None when it must not be cached."""
        if file.suffix == ".py":
            return None
        try:
            content = file.read_bytes()
        except OSError:
            return None  # the loader reports it
        parts = [content, *self._defaults_chain(file)]
        if not all(cacheable(part) for part in parts):
            return None
        digest = hashlib.sha256(str(file).encode())
        for part in parts:
            digest.update(b"\0" + hashlib.sha256(part).digest())
        return digest.hexdigest()

    def _defaults_chain(self, file: Path) -> list[bytes]:
        folder = file.parent
        if folder not in self._chains:  # once per folder: most definitions share one
            chain = [d for d in [folder, *folder.parents] if d == self.root or self.root in d.parents]
            self._chains[folder] = [b"default:" + c for d in chain if (c := self._defaults_bytes(d)) is not None]
        return self._chains[folder]

    def _defaults_bytes(self, folder: Path) -> bytes | None:
        if folder not in self._defaults:
            try:
                self._defaults[folder] = (folder / DEFAULTS_FILE).read_bytes()
            except FileNotFoundError:
                self._defaults[folder] = None
        return self._defaults[folder]

    def get(self, key: str) -> Entry | None:
        entry = self._read().get(key)
        if entry is not None:
            self._used[key] = entry
        return entry

    def put(self, key: str, entry: Entry) -> None:
        self._used[key] = entry
        self._dirty = True

    def _read(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = _unpickle(self.path)
        return self._entries

    def save(self) -> None:
        """Keep exactly the entries this load used (a removed or changed file's old entry goes)."""
        if not self._dirty and len(self._used) == len(self._read()):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                pickle.dump(self._used, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)  # atomic: the other DAG file's process reads the old or the new file
        except OSError as exc:  # a read-only state folder costs speed, never DAGs
            log.warning("parse cache not written to %s: %s", self.path, exc)


def _unpickle(path: Path) -> dict[str, Any]:
    """The cache file's entries; one process that loads twice (a DagBag of both DAG files) reads it once."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    # Our own file, only ever replaced whole (os.replace gives it a new inode): its identity says if it changed.
    return dict(_unpickle_file(path, stat.st_ino, stat.st_size, stat.st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _unpickle_file(path: Path, _inode: int, _size: int, _mtime_ns: int) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            entries = pickle.load(file)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # truncated, or written by other code: start again
        log.warning("ignoring unreadable parse cache %s: %s", path, exc)
        return {}
    return entries if isinstance(entries, dict) else {}
