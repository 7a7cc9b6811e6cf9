"""The model's ``tests/it/`` against the server the local deploy just started, in the build's own venv.

Runs ``model_runtime integration`` (the tests see a ``real_time_client`` pointed at the new server's private URL,
so they test this build, not whatever the gateway splits traffic to). The outcome, the timeout and the log lines
are automations.integration_tests', shared with the Docker backend; it never raises.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from model_runtime import contract

from ... import integration_tests
from ...integration_tests import Deadline
from ...runs import IntegrationTests
from .environment import child_env
from .process import stop_group


def run_integration_tests(python: str, source: Path, endpoint: str, runtime_path: str, env: dict) -> IntegrationTests:
    if skipped := integration_tests.absent(source):
        return skipped
    process_env = {**child_env(env), "PYTHONPATH": runtime_path}
    return integration_tests.outcome(lambda: _run(python, source, endpoint, process_env))


def _run(python: str, source: Path, endpoint: str, env: dict) -> str:
    with tempfile.TemporaryDirectory(prefix="integration-") as tmp:
        report = Path(tmp) / contract.INTEGRATION_REPORT_FILE
        cmd = contract.integration_command(python, str(source), endpoint, str(report))
        # Its own process group: at the deadline pytest (a child of the runtime) goes too, and with it the last
        # holder of the output pipe this loop reads to its end.
        proc = subprocess.Popen(
            cmd, env=env, cwd=source, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
        )
        with proc, Deadline(integration_tests.TIMEOUT_S, lambda: stop_group(proc.pid, grace_s=5)) as deadline:
            assert proc.stdout is not None  # stdout=PIPE
            integration_tests.log_output(integration_tests.split_lines(proc.stdout))
            proc.wait()
        deadline.check()
        return report.read_text()
