"""The embedded default: the analytics store on SQLite at <state_dir>/analytics.db, one per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.automations import make_automation


@pytest.fixture()
def sqlite_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No model_analytics connection defined, so the store falls back to SQLite under a fresh state dir."""
    # Importing the task SDK configures Airflow's logging, which replaces root handlers: do it during setup so
    # caplog's handler for the test itself is installed afterwards.
    import airflow.sdk  # noqa: F401

    from automations.analytics.connection import dispose_engines
    from automations.analytics.store import _SCHEMA_READY

    monkeypatch.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"
    dispose_engines()
    _SCHEMA_READY.clear()


@pytest.fixture()
def automation_factory():
    return make_automation
