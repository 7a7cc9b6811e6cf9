"""`build`: run the model's tests, call build(), collect metrics, pickle the model and write the result.

Run from anywhere; the model directory (the git_uri's #sub/dir) goes on sys.path so ``from main.model import X``
works exactly as it does in the tests.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import xml.etree.ElementTree as ET
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, Optional

from . import contract
from .discovery import ModelNotFound, load_model
from .libraries import enter_local_mode
from .metrics import collect, collect_params
from .model_schema import model_schema

RUNTIME_ROOT = Path(__file__).resolve().parents[1]  # the directory that holds model_runtime/
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COPY_IGNORE = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".git", "*.pyc")


def apply_parameters(environ: Optional[MutableMapping[str, str]] = None) -> dict[str, Any]:
    """Expose BuildSpecifications.parameters (JSON in ENV_PARAMETERS) as environment variables, as Qwak does.

    Each parameter whose name is a valid env name becomes one (strings as is, other values as JSON), unless the
    environment already sets it: an explicit env_var wins. Returns the parsed parameters.
    """
    env: MutableMapping[str, str] = os.environ if environ is None else environ
    raw = env.get(contract.ENV_PARAMETERS, "").strip()
    params = json.loads(raw) if raw else {}
    if not isinstance(params, dict):
        raise ValueError(f"{contract.ENV_PARAMETERS} must hold a JSON object, got {type(params).__name__}")
    for name, value in params.items():
        if _ENV_NAME.match(name) and name not in env:
            env[name] = value if isinstance(value, str) else json.dumps(value)
    return params


def junit_counts(path: Path) -> dict[str, int]:
    """{"passed", "failed", "skipped"} from pytest's junit XML (summed over its testsuites)."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return {"passed": total - failed - skipped, "failed": failed, "skipped": skipped}


_PYTEST_CONFIGS = (
    ("pytest.ini", ""),
    (".pytest.ini", ""),
    ("pyproject.toml", "[tool.pytest"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)


def has_pytest_config(source: Path) -> bool:
    """Whether the model directory configures pytest itself (else pytest would walk up into whatever holds it)."""
    for name, marker in _PYTEST_CONFIGS:
        path = source / name
        if path.is_file() and marker in path.read_text(errors="replace"):
            return True
    return False


def pytest_command(source: Path, workdir: Path, target: str = "tests") -> list[str]:
    """pytest on ``target``; the build's own run (``tests``) leaves out tests/it/, which run after deploy."""
    cmd = [sys.executable, "-m", "pytest", target, "-p", "no:cacheprovider", "-p", f"{contract.MODULE}.pytest_plugin"]
    cmd += [f"--rootdir={source}", "-q"]
    if target == "tests" and (source / contract.INTEGRATION_TESTS_DIR).is_dir():
        cmd.append(f"--ignore={source / contract.INTEGRATION_TESTS_DIR}")
    cmd.append(f"--junitxml={workdir / 'junit.xml'}")
    if not has_pytest_config(source):
        (workdir / "pytest.ini").write_text("[pytest]\n")
        cmd += ["-c", str(workdir / "pytest.ini")]
    return cmd


def run_tests(source: Path) -> tuple[bool, dict[str, int]]:
    """pytest on ``tests/`` in a child process (so test imports and logged metrics don't leak into the build)."""
    tests = source / "tests"
    if not tests.is_dir():
        print("model_runtime build: no tests/ directory; nothing to test", flush=True)
        return True, {}
    # The model dir first (``from main.model import X``), then wherever this runtime lives (the pytest plugin must
    # import even when the runtime was started from its own cwd rather than via PYTHONPATH).
    paths = [str(source), str(RUNTIME_ROOT), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(dict.fromkeys(p for p in paths if p)))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        code = subprocess.call(pytest_command(source, Path(tmp)), cwd=source, env=env)
        counts = junit_counts(report) if report.is_file() else {}
    if code == 5:  # pytest: no tests collected. Not a failure of the model.
        print("model_runtime build: tests/ holds no tests", flush=True)
        return True, counts
    return code == 0, counts


def save_artifact(model: Any, source: Path, output: Path) -> None:
    """Pickle the instance and copy the model directory beside it: unpickling needs main/ importable."""
    output.mkdir(parents=True, exist_ok=True)
    with (output / contract.ARTIFACT_FILE).open("wb") as fh:
        pickle.dump(model, fh)
    target = output / contract.SOURCE_DIR
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=_COPY_IGNORE)


def train(source: Path, main_dir: str, output: Path, parameters: dict[str, Any]) -> contract.BuildResult:
    """build() the model and save it; the result holds its metrics, params and schema (tests and warnings not yet)."""
    model = load_model(source, main_dir)
    print(f"model_runtime build: calling {type(model).__module__}.{type(model).__qualname__}.build()", flush=True)
    metrics = collect(model.build())
    schema, schema_warnings = model_schema(model)
    for warning in schema_warnings:
        print(f"model_runtime build: WARNING: {warning}", flush=True)
    if schema is not None:
        print(f"model_runtime build: schema {json.dumps(schema, sort_keys=True)}", flush=True)
    save_artifact(model, source, output)
    return contract.BuildResult(
        metrics=metrics, params=collect_params(parameters), api_schema=schema, warnings=schema_warnings
    )


def install_warnings(source: Path) -> list[str]:
    """What ``install`` changed about the dependencies (its report in the model directory), for the result."""
    report = source / contract.INSTALL_REPORT_FILE
    try:
        return list(json.loads(report.read_text()).get("warnings", []))
    except (OSError, ValueError, AttributeError):
        return []


def _hint_root(exc: BaseException) -> None:
    from .permissions import explain

    hint = explain(exc)
    if hint:
        print(f"model_runtime build: {hint}", flush=True)


def run(source: Path, main_dir: str, output: Path, xcom_file: Optional[str]) -> int:
    source = source.resolve()
    enter_local_mode()  # before the tests (a child process) and the model import: nothing reaches Qwak/JFrog
    try:
        parameters = apply_parameters()
    except ValueError as exc:
        print(f"model_runtime build: {exc}", flush=True)
        return contract.EXIT_BUILD_FAILED
    passed, counts = run_tests(source)
    if not passed:
        print(f"model_runtime build: tests failed {counts}", flush=True)
        return contract.EXIT_TESTS_FAILED
    try:
        result = train(source, main_dir, output, parameters)
    except ModelNotFound as exc:
        print(f"model_runtime build: {exc}", flush=True)
        return contract.EXIT_BUILD_FAILED
    except Exception as exc:
        traceback.print_exc()
        _hint_root(exc)
        return contract.EXIT_BUILD_FAILED
    result.tests, result.python = counts, sys.executable
    result.warnings = install_warnings(source) + result.warnings
    result.write(output / contract.RESULT_FILE)
    if xcom_file:
        result.write(Path(xcom_file))
    print(f"model_runtime build: metrics {json.dumps(result.metrics, sort_keys=True)}", flush=True)
    print(f"model_runtime build: params {json.dumps(result.params, sort_keys=True)}", flush=True)
    return contract.EXIT_OK
