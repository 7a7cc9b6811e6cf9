"""model_runtime as the builds and the serving images get it: its files, their digest, and one way to copy them.

Every backend ships the same thing: the package's ``*.py`` files (no bytecode caches) into ``<target>/model_runtime``,
and puts ``<target>`` alone on PYTHONPATH, so the model sees model_runtime and nothing else of ours.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from model_runtime import contract

from .settings import PLUGINS_DIR

MODULE_DIR = PLUGINS_DIR / contract.MODULE


def files() -> list[Path]:
    """The package's modules, sorted: the package is flat, and a module is all it holds."""
    return sorted(MODULE_DIR.glob("*.py"))


@functools.lru_cache(maxsize=1)  # computed for every DAG at parse time; the files do not change in-process
def digest() -> str:
    """Content digest of the package: the folder name a shared copy is kept under (kubernetes' artifact volume)."""
    sha = hashlib.sha256()
    for path in files():
        sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()[:16]


def copy_to(target, *, keep_existing: bool = False):  # target: a Path or an ObjectStoragePath
    """Write the package to ``target/model_runtime``; returns that folder. ``keep_existing`` skips files that are
    there already: right for a folder named by ``digest()``, whose files cannot differ."""
    package = target / contract.MODULE
    package.mkdir(parents=True, exist_ok=True)
    for path in files():
        dest = package / path.name
        if not (keep_existing and dest.exists()):
            dest.write_bytes(path.read_bytes())
    return package
