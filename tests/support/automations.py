"""Automation specs for tests that need one without a definition file."""

from __future__ import annotations

from pathlib import Path

from automations.loader import LoadedAutomation
from automations.spec import Automation

GIT_URI = "https://example.invalid/models.git#churn"


def make_automation(
    name: str = "churn",
    model_id: str = "churn_model",
    conditions=None,
    build_spec: dict | None = None,
    source: Path | None = None,
    **deployment_spec,
) -> LoadedAutomation:
    """A validated automation; ``build_spec`` fields are merged over a default git_uri."""
    spec = Automation.model_validate(
        {
            "name": name,
            "model_id": model_id,
            "action": {
                "build_spec": {"git_uri": GIT_URI, **(build_spec or {})},
                "deployment_condition": conditions or [],
                "deployment_spec": deployment_spec,
            },
        }
    )
    return LoadedAutomation(spec, source or Path(f"{name}.yaml"))
