"""scripts/airflow_ui.py (make airflow) imports the project lazily inside its helpers: call them, so a module that
moves breaks this unit test instead of only the browser tests that start `make airflow`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "airflow_ui.py"


@pytest.fixture
def airflow_ui():
    spec = importlib.util.spec_from_file_location("airflow_ui_script", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_launchers_helpers_find_what_they_import(airflow_ui, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path))
    assert airflow_ui.serving() == {}  # no local model server recorded under an empty state folder
    assert airflow_ui.gateway_pid() is None
    airflow_ui.stop_new_servers({}, None)  # nothing started: nothing to stop, and no import error on the way
