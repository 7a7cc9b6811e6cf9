"""The model's ``tests/it/`` against the server the local deploy just started, in the build's own venv.

Runs ``model_runtime integration`` (the tests see a ``real_time_client`` pointed at the new server's private URL,
so they test this build, not whatever the gateway splits traffic to). Whatever happens, it returns an outcome
and never raises: integration tests never fail a deploy.
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from pathlib import Path

from model_runtime import contract

from ...runs import IntegrationTests
from .environment import child_env

log = logging.getLogger(__name__)
TIMEOUT_S = 900  # the runtime stops pytest after its own 600 s; this covers interpreter start and the report


def run_integration_tests(python: str, source: Path, endpoint: str, runtime_path: str, env: dict) -> IntegrationTests:
    if not (source / contract.INTEGRATION_TESTS_DIR).is_dir():
        return IntegrationTests(status="skipped", reason="the model has no tests/it/ directory")
    with tempfile.TemporaryDirectory(prefix="integration-") as tmp:
        report = Path(tmp) / contract.INTEGRATION_REPORT_FILE
        cmd = contract.integration_command(python, str(source), endpoint, str(report))
        try:
            done = subprocess.run(
                cmd,
                env={**child_env(env), "PYTHONPATH": runtime_path},
                cwd=source,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
            )
            for line in (done.stdout + done.stderr).splitlines():
                log.info("tests/it: %s", line)
            return IntegrationTests.model_validate(json.loads(report.read_text()))
        except Exception as exc:  # a missing report, a timeout, a broken venv: reported, never raised
            return IntegrationTests(status="skipped", reason=f"tests/it/ could not run: {type(exc).__name__}: {exc}")
