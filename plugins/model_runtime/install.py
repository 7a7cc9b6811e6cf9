"""`install`: find the model's dependency file and install it (plus pytest and pandas) into this interpreter.

Runs inside the build environment with the standard library only, so the file parsers here are deliberately small.
Every entry goes through translate.py's rules; each change is a warning line in the log and in the install report
(``contract.INSTALL_REPORT_FILE``), which ``build`` puts into the build's result. A pinned package the index has no
build of for this Python is relaxed to its bare name and the install retried: a pin never fails the build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Optional

from . import contract
from .libraries import implied_requirements
from .serve_deps import SERVER_REQUIREMENTS
from .translate import Translated, conda_entry, pip_entry, poetry_entry, python_version

# The build runs tests/ with pytest; the server turns records into a DataFrame and runs on SERVER_REQUIREMENTS
# (installed here too, so serving images and build venvs start the server without a network).
ALWAYS = ("pytest", "pandas", *SERVER_REQUIREMENTS)
DEFAULT_FILES = ("requirements.txt", "pyproject.toml", "conda.yml", "conda.yaml")
MAX_RELAX_ROUNDS = 3
_NETWORK = re.compile(
    r"network is unreachable|temporary failure in name resolution|name or service not known|"
    r"failed to establish a new connection|connection refused|max retries exceeded|dns error|"
    r"could not fetch url|error sending request|failed to fetch",
    re.IGNORECASE,
)
_UNSATISFIED = re.compile(
    r"no matching distribution|could not find a version|no version of|failed to build|failed building wheel|"
    r"has no wheels|requires-python|because|unsatisfiable",
    re.IGNORECASE,
)


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


def translate_file(path: Optional[Path]) -> list[Translated]:
    """Every requirement line of ``path`` as pip takes it, with what was changed."""
    if path is None:
        return []
    text = path.read_text()
    if path.name.endswith((".yml", ".yaml")):
        return conda_translated(text)
    if path.name.endswith(".toml"):
        return pyproject_translated(text)
    return requirements_translated(text, path.parent)


def requirement_args(path: Optional[Path]) -> list[str]:
    """The requirement lines of ``path`` (dropped entries left out)."""
    return [t.requirement for t in translate_file(path) if t.requirement]


def requirements_translated(text: str, base: Path) -> list[Translated]:
    """A requirements.txt: nested ``-r``/``-c`` files made absolute (the lines move into a generated file)."""
    out = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        nested = re.match(r"^(-r|-c|--requirement|--constraint)\s*=?\s*(\S+)$", line)
        out.append(Translated(f"{nested[1]} {(base / nested[2]).resolve()}") if nested else pip_entry(line))
    return out


def pyproject_requirements(text: str) -> list[str]:
    return [t.requirement for t in pyproject_translated(text) if t.requirement]


def pyproject_translated(text: str) -> list[Translated]:
    """PEP 621 ``[project].dependencies``; else Poetry's main dependencies (not its dev groups)."""
    data = tomllib.loads(text)
    deps = data.get("project", {}).get("dependencies")
    if deps is not None:
        return [pip_entry(d) for d in deps]
    poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
    return [poetry_entry(name, spec) for name, spec in poetry.items() if name.lower() != "python"]


def conda_requirements(text: str) -> list[str]:
    return [t.requirement for t in conda_translated(text) if t.requirement]


def conda_translated(text: str) -> list[Translated]:
    """A conda environment file's ``dependencies:``: conda entries translated, its ``pip:`` list kept as pip's."""
    out: list[Translated] = []
    in_deps, pip_indent = False, -1
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
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
            out.append(pip_entry(entry))
        else:
            pip_indent = -1
            out.append(conda_entry(entry))
    return out


def install_command(args: list[str]) -> list[str]:
    """uv when available (fast, cached; the build venv has no pip), else pip of this interpreter."""
    uv = os.environ.get(contract.ENV_UV) or shutil.which("uv")
    if uv:
        return [uv, "pip", "install", "--python", sys.executable, *args]
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args]


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pinned_name(requirement: str) -> Optional[str]:
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*[=<>!~]", requirement)
    return match[1] if match else None


def failed_pins(output: str, requirements: list[str]) -> list[str]:
    """The pinned requirements the installer's output names in an unsatisfiable/failed-build line."""
    lines = [_normalized(line) for line in output.splitlines() if _UNSATISFIED.search(line)]
    failed = []
    for req in requirements:
        name = _pinned_name(req)
        if name and any(re.search(rf"(^|[^a-z0-9-]){re.escape(_normalized(name))}($|[^a-z0-9-])", ln) for ln in lines):
            failed.append(req)
    return failed


def _install(requirements: list[str]) -> tuple[int, str]:
    with tempfile.NamedTemporaryFile("w", suffix="-requirements.txt", delete=False) as fh:
        fh.write("\n".join([*requirements, *ALWAYS]) + "\n")
    cmd = install_command(["-r", fh.name])
    print("model_runtime install: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:  # streamed, so the backend shows the installer's progress as it happens
        print(line, end="", flush=True)
        lines.append(line)
    code = proc.wait()
    os.unlink(fh.name)
    return code, "".join(lines)


def install_with_relaxing(requirements: list[str], warnings: list[str]) -> int:
    for _ in range(MAX_RELAX_ROUNDS + 1):
        code, output = _install(requirements)
        if code == 0:
            return contract.EXIT_OK
        if _NETWORK.search(output):
            print(
                "model_runtime install: the installer could not reach the package index (no network in this build "
                "step?). Give a mirror (PIP_INDEX_URL / UV_INDEX_URL) or a wheel cache (PIP_FIND_LINKS), or install "
                "in a step that has network: see README 'Dependencies'.",
                flush=True,
            )
            return contract.EXIT_INSTALL_FAILED
        failed = failed_pins(output, requirements)
        if not failed:
            return contract.EXIT_INSTALL_FAILED
        for req in failed:
            bare = _pinned_name(req) or req
            _warn(warnings, f"relaxed {req!r} to {bare!r}: no build of it for Python {python_version()} found")
            requirements = [bare if r == req else r for r in requirements]
    return contract.EXIT_INSTALL_FAILED


def _warn(warnings: list[str], text: str) -> None:
    warnings.append(text)
    print(f"model_runtime install: WARNING: {text}", flush=True)


def write_report(source: Path, path: Optional[Path], warnings: list[str]) -> None:
    report = source / contract.INSTALL_REPORT_FILE
    try:
        report.write_text(json.dumps({"dependency_file": str(path) if path else None, "warnings": warnings}))
    except OSError as exc:  # a read-only source still installs; the warnings are in the log
        print(f"model_runtime install: cannot write {report}: {exc}", flush=True)


def run(source: Path, main_dir: str, dependency_file: Optional[str]) -> int:
    try:
        path = find_dependency_file(source, main_dir, dependency_file)
    except FileNotFoundError as exc:
        print(f"model_runtime install: {exc}", flush=True)
        return contract.EXIT_INSTALL_FAILED
    print(f"model_runtime install: dependencies from {path or 'nothing (no dependency file)'}", flush=True)
    warnings: list[str] = []
    translated = translate_file(path)
    for item in translated:
        if item.warning:
            _warn(warnings, item.warning)
    requirements = [t.requirement for t in translated if t.requirement]
    for requirement, why in implied_requirements(source, requirements):
        _warn(warnings, f"added {requirement}: {why} (Qwak's build image came with it)")
        requirements.append(requirement)
    code = install_with_relaxing(requirements, warnings)
    write_report(source, path, warnings)
    return code
