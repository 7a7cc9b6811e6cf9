"""`integration`: the model's ``tests/it/`` against the endpoint it was just deployed to, as Qwak runs them.

Qwak's and JFrog ML's integration tests take a ``real_time_client`` fixture (``from qwak.testing.fixtures import
real_time_client``, ``from frogml.core.testing.fixtures import ...`` or ``from qwak_mock import ...``); the pytest
plugin gives them one pointed at ``--endpoint`` (realtime_client.py). The outcome is a JSON report (status
passed / failed / skipped, counts, reason); this command exits 0 whatever the tests did: they never fail a build.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from . import contract
from .build import RUNTIME_ROOT, junit_counts, pytest_command

DEFAULT_TIMEOUT_S = 600


def outcome_of(code: int, counts: dict[str, int]) -> dict[str, Any]:
    if code == 5:  # pytest: nothing collected
        return {"status": "skipped", "reason": "tests/it/ holds no tests", "tests": counts}
    if code == 0 and counts and not counts.get("passed"):
        return {"status": "skipped", "reason": "every test in tests/it/ skipped itself", "tests": counts}
    if code == 0:
        return {"status": "passed", "reason": "", "tests": counts}
    return {"status": "failed", "reason": f"pytest exited with {code}", "tests": counts}


def run_pytest(source: Path, endpoint: str, timeout_s: int) -> dict[str, Any]:
    paths = [str(source), str(RUNTIME_ROOT), os.environ.get("PYTHONPATH")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(dict.fromkeys(p for p in paths if p)))
    env[contract.ENV_IT_ENDPOINT] = endpoint
    with tempfile.TemporaryDirectory() as tmp:
        cmd = pytest_command(source, Path(tmp), target=contract.INTEGRATION_TESTS_DIR)
        try:
            code = subprocess.call(cmd, cwd=source, env=env, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"status": "failed", "reason": f"tests/it/ ran longer than {timeout_s} s and was stopped"}
        report = Path(tmp) / "junit.xml"
        return outcome_of(code, junit_counts(report) if report.is_file() else {})


def run(source: Path, endpoint: str, report: Path, timeout_s: int = DEFAULT_TIMEOUT_S) -> int:
    source = source.resolve()
    if not (source / contract.INTEGRATION_TESTS_DIR).is_dir():
        outcome: dict[str, Any] = {"status": "skipped", "reason": "the model has no tests/it/ directory"}
    else:
        print(f"model_runtime integration: tests/it/ against {endpoint}", flush=True)
        outcome = run_pytest(source, endpoint, timeout_s)
    outcome.setdefault("tests", {})
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(outcome))
    print(f"model_runtime integration: {json.dumps(outcome, sort_keys=True)}", flush=True)
    return contract.EXIT_OK
