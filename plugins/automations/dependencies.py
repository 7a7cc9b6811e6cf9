"""The model's dependency list: find its dependency file and translate it into the ``contract.DependencyList``
that the runtime's ``install`` reads.

Runs on the Airflow side (the clone step, for every backend), so the formats are read with PyYAML, tomllib and
``packaging`` (dependency_rules.py) and the runtime stays standard-library only. Which file: the definition's
``dependency_file_path`` (relative to the model directory), else the first of DEFAULT_FILES in ``main_dir``.
A Qwak library the model imports but the file does not name is added (``model_runtime.libraries``), so the list
is complete: the Docker backend keys its dependencies image on it.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Optional

import yaml

from model_runtime.contract import DependencyList
from model_runtime.libraries import implied_requirements

from .dependency_rules import Translated, conda_entry, pip_entry, poetry_entry

DEFAULT_FILES = ("requirements.txt", "pyproject.toml", "conda.yml", "conda.yaml")
_NESTED = re.compile(r"^(-r|-c|--requirement|--constraint)\s*=?\s*(\S+)$")


class DependencyFileError(ValueError):
    """The named dependency file is missing, outside the model directory, or not readable as its format."""


def find_dependency_file(model_dir: Path, main_dir: str, explicit: Optional[str] = None) -> Optional[Path]:
    """The explicit file (relative to the model dir) or the first of DEFAULT_FILES in main/; None if none."""
    if explicit:
        path = (model_dir / explicit).resolve()
        if not path.is_relative_to(model_dir.resolve()):
            raise DependencyFileError(f"dependency file {explicit!r} is outside the model directory")
        if not path.is_file():
            raise DependencyFileError(f"dependency file {explicit!r} not found in the model directory")
        return path
    for name in DEFAULT_FILES:
        path = model_dir / main_dir / name
        if path.is_file():
            return path
    return None


def resolve(model_dir: Path, main_dir: str, explicit: Optional[str] = None) -> DependencyList:
    """What ``model_dir`` needs installed, and every change made to its dependency file's entries."""
    path = find_dependency_file(model_dir, main_dir, explicit)
    translated = translate_file(path, model_dir) if path else []
    requirements = [t.requirement for t in translated if t.requirement]
    warnings = [t.warning for t in translated if t.warning]
    for requirement, why in implied_requirements(model_dir, requirements):
        warnings.append(f"added {requirement}: {why} (Qwak's build image came with it)")
        requirements.append(requirement)
    relative = path.resolve().relative_to(model_dir.resolve()).as_posix() if path else None
    return DependencyList(tuple(requirements), tuple(warnings), relative)


def translate_file(path: Path, model_dir: Path) -> list[Translated]:
    """Every entry of ``path`` as pip takes it, with what was changed."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DependencyFileError(f"cannot read {path.name}: {exc}") from None
    if path.name.endswith((".yml", ".yaml")):
        return conda_translated(text, path.name)
    if path.name.endswith(".toml"):
        return pyproject_translated(text, path.name)
    return requirements_translated(text, path.parent, model_dir)


def requirements_translated(text: str, base: Path, model_dir: Path) -> list[Translated]:
    """A requirements.txt. A nested ``-r``/``-c`` file's path is made relative to the model directory, where the
    runtime finds it (the lines move into a file of their own)."""
    out = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        nested = _NESTED.match(line)
        if nested:
            relative = os.path.relpath((base / nested[2]).resolve(), model_dir.resolve())
            out.append(Translated(f"{nested[1]} {Path(relative).as_posix()}"))
        else:
            out.append(pip_entry(line))
    return out


def pyproject_translated(text: str, name: str = "pyproject.toml") -> list[Translated]:
    """PEP 621 ``[project].dependencies``; else Poetry's main dependencies (not its dev groups)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DependencyFileError(f"{name} is not valid TOML: {exc}") from None
    deps = data.get("project", {}).get("dependencies")
    if deps is not None:
        return [pip_entry(str(d)) for d in deps]
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    return [poetry_entry(dep, spec) for dep, spec in poetry.items() if dep.lower() != "python"]


def conda_translated(text: str, name: str = "conda.yml") -> list[Translated]:
    """A conda environment file's ``dependencies:``: conda entries translated, its ``pip:`` list kept as pip's."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DependencyFileError(f"{name} is not valid YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise DependencyFileError(f"{name} is not a conda environment file (a mapping with 'dependencies:')")
    entries = data.get("dependencies") or []
    if not isinstance(entries, list):
        raise DependencyFileError(f"{name}: 'dependencies' is not a list")
    out: list[Translated] = []
    for entry in entries:
        out.extend(_conda_item(entry))
    return out


def _conda_item(entry: Any) -> list[Translated]:
    if isinstance(entry, dict):
        if set(entry) == {"pip"}:
            return [pip_entry(str(item)) for item in entry["pip"] or []]
        return [Translated(None, f"dropped {entry!r}: only a 'pip:' list may be nested in conda's dependencies")]
    return [conda_entry(str(entry))]
