"""Every kubernetes test renders against a configured registry: the backend has no default one (registry.py)."""

from __future__ import annotations

import pytest

TEST_REGISTRY = "registry.example.com/ml"


@pytest.fixture(autouse=True)
def _registry(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", TEST_REGISTRY)


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    """The kubernetes slice the fake-server deploy tests use (modules with their own ``settings`` override it)."""
    from automations.settings import get_settings

    monkeypatch.setenv("AUTOMATIONS_ENVIRONMENTS_FILE", str(tmp_path / "environments.yaml"))
    kubernetes = {"namespace": "models", "conn_id": "k8s_main"}
    configured = get_settings().replace(kubernetes=kubernetes, registry="reg.example")
    return configured.kubernetes
