"""Automations for the Docker backend's unit tests, built through the real spec models."""

from __future__ import annotations

import pytest

from automations.settings import get_settings
from automations.spec import Automation


def make_automation(**build_overrides) -> Automation:
    build = {
        "git_uri": "https://example.com/models.git#tiny",
        "env_vars": ["A=1", "GREETING=hello world"],
        "parameters": {"max_iter": 500, "note": "{{ not a template }}"},
        "tags": ["demo", "docker"],
        "resources": {"cpu_fraction": 1.5, "memory": "768Mi"},
        **build_overrides,
    }
    return Automation.model_validate({
        "name": "tiny",
        "model_id": "tiny_model",
        "action": {
            "type": "QwakBuildDeploy",
            "build_spec": build,
            "deployment_spec": {"number_of_http_server_workers": 3, "http_request_timeout_ms": 1500,
                                "max_batch_size": 8, "memory": "1Gi", "cpu_fraction": 0.5,
                                "env_vars": ["SERVE_MODE=fast"], "deployment_timeout": 45},
        },
    })


@pytest.fixture
def automation() -> Automation:
    return make_automation()


@pytest.fixture(name="make_automation")
def _make_automation_fixture():
    return make_automation


@pytest.fixture
def settings(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_DOCKER_IMAGE", "automations-base:test")
    monkeypatch.setenv("AUTOMATIONS_DOCKER_NETWORK", "none")
    monkeypatch.setenv("AUTOMATIONS_DOCKER_BUILD_TIMEOUT", "123")
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "localhost:5000")
    return get_settings().docker
