"""`python -m automations validate` warns about a literal Slack webhook, without printing it, and still exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
HOOK = "https://hooks.slack.com/services/T000/B000/literalWebhookSecret"


def test_a_literal_slack_webhook_is_a_warning_line_and_exit_0(tmp_path):
    definition = tmp_path / "warned.yaml"
    definition.write_text(
        "name: warned\nmodel_id: m\naction: {build_spec: {git_uri: 'https://example.invalid/r.git'}}\n"
        f"on_error: {{webhook: '{HOOK}'}}\non_success: {{webhook: slack_hook}}\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "AUTOMATIONS_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "automations", "validate", str(definition)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [warning] = [line for line in done.stdout.splitlines() if "warning:" in line]
    assert warning.startswith(f"{definition}: on_error.webhook: warning: a literal Slack webhook URL is a credential")
    assert "literalWebhookSecret" not in done.stdout + done.stderr
    assert "1 automation(s) valid" in done.stdout
