"""Process-wide test environment: an Airflow home and state folder of the test run's own, never the demo's.

Set before anything imports Airflow, because Airflow reads its configuration at import time.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_HOME = ROOT / ".cache" / "test-run"

shutil.rmtree(TEST_HOME, ignore_errors=True)
TEST_HOME.mkdir(parents=True)
os.environ["AIRFLOW_HOME"] = str(TEST_HOME / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
# Our plugin registers the automations' timetable; Airflow refuses to (de)serialize an unregistered one.
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AUTOMATIONS_STATE_DIR"] = str(TEST_HOME / "state")
os.environ["AUTOMATIONS_BACKEND"] = "local"
os.environ.setdefault("AUTOMATIONS_DIR", str(ROOT / "tests" / "fixtures" / "definitions" / "valid"))
# Subprocesses (airflow CLI, probes) import `automations` the way Airflow's workers do: plugins/ on the path.
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "plugins"), os.environ.get("PYTHONPATH", "")) if p)


@pytest.fixture(scope="session")
def dag_driver(tmp_path_factory):
    """One Airflow process running whole DAGs (dag.test()) for every e2e module that asks: support.dag_runs."""
    from support.dag_runs import shared_driver

    with shared_driver(tmp_path_factory.mktemp("dag-driver")) as shared:
        yield shared
