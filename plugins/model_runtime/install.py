"""`install`: install the model's dependency list (plus pytest, pandas and the server) into this interpreter.

The list is ``contract.DEPENDENCIES_FILE`` in ``--source``: the clone step translated the model's dependency file
into it on the Airflow side (automations/dependencies.py), so nothing here parses conda, Poetry or pip syntax.
Its warnings (what the translation changed, each Qwak library added because the model imports it) and each
relaxing done here are warning lines in the log and in the install report (``contract.INSTALL_REPORT_FILE``),
which ``build`` puts into the build's result. A pinned package the index has no build of for this Python is
relaxed to its bare name and the install retried (only the installer can tell): a pin never fails the build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from . import contract
from .libraries import normalized_name
from .serve_deps import SERVER_REQUIREMENTS

# The build runs tests/ with pytest; the server turns records into a DataFrame and runs on SERVER_REQUIREMENTS
# (installed here too, so serving images and build venvs start the server without a network).
ALWAYS = ("pytest", "pandas", *SERVER_REQUIREMENTS)
_NESTED_OPTIONS = ("-r", "-c", "--requirement", "--constraint")  # as DependencyList writes them: "-r PATH"
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


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def located(requirement: str, source: Path) -> str:
    """A nested ``-r``/``-c`` file's path (relative to the model directory) made absolute: the lines move into a
    temporary file of their own, and pip reads nested paths relative to the file that names them."""
    option, _, path = requirement.partition(" ")
    return f"{option} {source / path}" if option in _NESTED_OPTIONS and path else requirement


def install_command(args: list[str]) -> list[str]:
    """uv when available (fast, cached; the build venv has no pip), else pip of this interpreter."""
    uv = os.environ.get(contract.ENV_UV) or shutil.which("uv")
    if uv:
        return [uv, "pip", "install", "--python", sys.executable, *args]
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *args]


def _pinned_name(requirement: str) -> Optional[str]:
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*[=<>!~]", requirement)
    return match[1] if match else None


def failed_pins(output: str, requirements: list[str]) -> list[str]:
    """The pinned requirements the installer's output names in an unsatisfiable/failed-build line."""
    lines = [normalized_name(line) for line in output.splitlines() if _UNSATISFIED.search(line)]
    failed = []
    for req in requirements:
        name = _pinned_name(req)
        named = name and re.compile(rf"(^|[^a-z0-9-]){re.escape(normalized_name(name))}($|[^a-z0-9-])")
        if named and any(named.search(ln) for ln in lines):
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


def write_report(source: Path, dependency_file: Optional[str], warnings: list[str]) -> None:
    report = source / contract.INSTALL_REPORT_FILE
    try:
        report.write_text(json.dumps({"dependency_file": dependency_file, "warnings": warnings}))
    except OSError as exc:  # a read-only source still installs; the warnings are in the log
        print(f"model_runtime install: cannot write {report}: {exc}", flush=True)


def read_list(source: Path) -> Optional[contract.DependencyList]:
    path = source / contract.DEPENDENCIES_FILE
    try:
        return contract.DependencyList.read(path)
    except FileNotFoundError:
        print(
            f"model_runtime install: {path} is missing. The clone step writes it (automations/dependencies.py); "
            "a model directory that did not come through clone has no dependency list.",
            flush=True,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        print(f"model_runtime install: {path} is not a dependency list: {exc}", flush=True)
    return None


def run(source: Path) -> int:
    listed = read_list(source)
    if listed is None:
        return contract.EXIT_INSTALL_FAILED
    print(
        f"model_runtime install: dependencies from {listed.dependency_file or 'nothing (no dependency file)'}, "
        f"into Python {python_version()} ({sys.executable})",
        flush=True,
    )
    warnings: list[str] = []
    for warning in listed.warnings:
        _warn(warnings, warning)
    requirements = [located(r, source) for r in listed.requirements]
    code = install_with_relaxing(requirements, warnings)
    write_report(source, listed.dependency_file, warnings)
    return code
