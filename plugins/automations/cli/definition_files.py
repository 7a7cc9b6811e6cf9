"""Where automations live in AUTOMATIONS_DIR, and checking new definition files as they would load there.

Shared by ``register`` and ``delete``: both need to know which file defines a name, and ``register`` validates
a file with the target folder's ``_defaults.yaml`` applied, so what it accepts is what the DAG processor will.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..definition_inputs import DefinitionInputs
from ..errors import DefinitionError
from ..loader import DEFAULTS_FILE, LoadedAutomation, LoadResult, check_environments, discover, load, load_file
from ..settings import Settings


@dataclass(frozen=True)
class Candidate:
    """One definition file to register: where it comes from and where it goes, relative to AUTOMATIONS_DIR."""

    source: Path
    target: Path


def candidates(path: Path) -> list[Candidate]:
    """A file registers as itself; a folder registers each definition file below it, keeping its layout."""
    if path.is_file():
        return [Candidate(path.resolve(), Path(path.name))]
    root = path.resolve()
    return [Candidate(file, file.relative_to(root)) for file in discover([root])]


def validate_in_place(files: list[Candidate], settings: Settings) -> LoadResult:
    """Load the files as if they were already in AUTOMATIONS_DIR (its defaults apply); automations and errors
    name the user's files, not the staging copies."""
    with tempfile.TemporaryDirectory(prefix="automations-register-") as staging:
        root = Path(staging).resolve()
        for file in files:
            (root / file.target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file.source, root / file.target)
        for defaults in settings.automations_dir.rglob(DEFAULTS_FILE):
            relative = defaults.relative_to(settings.automations_dir)
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(defaults, root / relative)
        result = check_environments(load([root], root=root, inputs=_inputs(settings)), settings)
        names = {str(root / f.target): str(f.source) for f in files}
        automations = [LoadedAutomation(a.spec, Path(names.get(str(a.source), a.source))) for a in result.automations]
        return LoadResult(automations, [_renamed(e, root, names) for e in result.errors])


def _renamed(error: DefinitionError, root: Path, names: dict[str, str]) -> DefinitionError:
    """Errors name the user's file, not the staging copy."""
    absolute = error.file if Path(error.file).is_absolute() else str(Path.cwd() / error.file)
    return DefinitionError(names.get(absolute, error.file.replace(str(root), "<staging>")), error.path, error.reason)


def defining_files(settings: Settings) -> dict[str, Path]:
    """Each automation name in AUTOMATIONS_DIR -> the file defining it (valid definitions only)."""
    folder, inputs = settings.automations_dir, _inputs(settings)
    found: dict[str, Path] = {}
    for file in discover([folder]) if folder.is_dir() else []:
        automations, _errors = load_file(file, folder, inputs)
        for automation in automations:
            found.setdefault(automation.name, file)
    return found


def names_in(file: Path, settings: Settings) -> list[str]:
    automations, _errors = load_file(file, settings.automations_dir, _inputs(settings))
    return [a.name for a in automations]


def _inputs(settings: Settings) -> DefinitionInputs:
    """What these commands read definitions with: the same as the DAG files (``load_definitions``)."""
    return DefinitionInputs.of(settings, os.environ)


def write_atomically(source: Path, target: Path) -> None:
    """Copy through a dot-file beside the target (the loader skips dot-files), so a parse never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".register-", dir=target.parent)
    os.close(handle)
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
