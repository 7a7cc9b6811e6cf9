"""`install`: find the model's dependency file and install it (plus pytest and pandas) into this interpreter.

Runs inside the build environment with the standard library only, so the file parsers here are deliberately small.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Optional

from . import contract

ALWAYS = ("pytest", "pandas")  # the build runs tests/ with pytest; the server turns records into a DataFrame
DEFAULT_FILES = ("requirements.txt", "pyproject.toml", "conda.yml", "conda.yaml")
_CONDA_ONLY = {"python", "pip", "conda", "setuptools", "wheel"}


def find_dependency_file(source: Path, main_dir: str, explicit: Optional[str] = None) -> Optional[Path]:
    """The explicit file (relative to the model dir) or the first of DEFAULT_FILES in main/; None if none."""
    if explicit:
        path = (source / explicit).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"dependency file {explicit!r} not found under {source}")
        return path
    for name in DEFAULT_FILES:
        path = source / main_dir / name
        if path.is_file():
            return path
    return None


def requirement_args(path: Optional[Path]) -> list[str]:
    """Installer arguments for ``path``: ``-r file`` for requirements files, explicit specs for the others."""
    if path is None:
        return []
    if path.name.endswith((".yml", ".yaml")):
        return conda_requirements(path.read_text())
    if path.name.endswith(".toml"):
        return pyproject_requirements(path.read_text())
    return ["-r", str(path)]  # -r keeps the file's own options and nested -r/-c lines working


def pyproject_requirements(text: str) -> list[str]:
    """PEP 621 ``[project].dependencies``; else Poetry's table, with ``^``/``~`` turned into a lower bound."""
    data = tomllib.loads(text)
    deps = data.get("project", {}).get("dependencies")
    if deps is not None:
        return list(deps)
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    return [_poetry_spec(name, spec) for name, spec in poetry.items() if name.lower() != "python"]


def _poetry_spec(name: str, spec: object) -> str:
    version = spec.get("version", "*") if isinstance(spec, dict) else str(spec)
    version = version.strip()
    if version in ("", "*"):
        return name
    if version[0] in "^~" and not version.startswith("~="):
        return f"{name}>={version.lstrip('^~')}"  # the upper bound is dropped: a lower bound is what matters here
    return f"{name}{version}" if version[0] in "<>=!~" else f"{name}=={version}"


def conda_requirements(text: str) -> list[str]:
    """Pip-installable entries of a conda environment file: its ``pip:`` list and the plain conda packages.

    Without conda on the machine, conda entries are translated (``name=1.2`` -> ``name==1.2``, channel prefixes
    dropped) and conda's own packages (python, pip...) skipped. ``pip:`` entries are kept verbatim.
    """
    specs: list[str] = []
    in_deps, pip_indent = False, -1
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0 and not line.startswith("-"):
            in_deps, pip_indent = line.strip() == "dependencies:", -1
            continue
        item = re.match(r"^\s*-\s*(.+)$", line)
        if not (in_deps and item):
            continue
        entry = item.group(1).strip().strip("'\"")
        if entry.startswith("pip:"):
            pip_indent = indent
        elif 0 <= pip_indent < indent:
            specs.append(entry)
        elif spec := _conda_spec(entry):
            pip_indent = -1
            specs.append(spec)
    return specs


def _conda_spec(entry: str) -> Optional[str]:
    entry = entry.split("::")[-1].replace(" ", "")
    name = re.split(r"[=<>!]", entry, maxsplit=1)[0]
    if name.lower() in _CONDA_ONLY or name.startswith("_"):
        return None
    single = re.fullmatch(r"([^=<>!]+)=([^=<>!*]+)", entry)
    if single:  # conda's `name=1.2` is a prefix match, which pip spells `name==1.2.*`
        return f"{single.group(1)}=={single.group(2)}.*"
    return entry


def install_command(args: list[str]) -> list[str]:
    """uv when available (fast, cached; the build venv has no pip), else pip of this interpreter."""
    uv = os.environ.get(contract.ENV_UV) or shutil.which("uv")
    if uv:
        return [uv, "pip", "install", "--python", sys.executable, *args]
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args]


def run(source: Path, main_dir: str, dependency_file: Optional[str]) -> int:
    try:
        path = find_dependency_file(source, main_dir, dependency_file)
    except FileNotFoundError as exc:
        print(f"model_runtime install: {exc}", flush=True)
        return contract.EXIT_INSTALL_FAILED
    print(f"model_runtime install: dependencies from {path or 'nothing (no dependency file)'}", flush=True)
    cmd = install_command([*requirement_args(path), *ALWAYS])
    print("model_runtime install: " + " ".join(cmd), flush=True)
    code = subprocess.call(cmd)  # inherits stdout/stderr, so the backend streams the installer's progress
    return contract.EXIT_OK if code == 0 else contract.EXIT_INSTALL_FAILED
