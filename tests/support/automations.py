"""Automation specs for tests that need one without a definition file."""

from __future__ import annotations

from pathlib import Path

from automations.loader import LoadedAutomation
from automations.spec import Automation


def make_automation(name: str = "churn", model_id: str = "churn_model", conditions=None, **deployment_spec):
    spec = Automation.model_validate(
        {
            "name": name,
            "model_id": model_id,
            "action": {
                "build_spec": {"git_uri": "https://example.invalid/models.git#churn"},
                "deployment_condition": conditions or [],
                "deployment_spec": deployment_spec,
            },
        }
    )
    return LoadedAutomation(spec, Path(f"{name}.yaml"))
