"""Every kubernetes test renders against a configured registry: the backend has no default one (registry.py)."""

from __future__ import annotations

import pytest

TEST_REGISTRY = "registry.example.com/ml"


@pytest.fixture(autouse=True)
def _registry(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", TEST_REGISTRY)
