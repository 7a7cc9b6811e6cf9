"""An Airflow home of a test's own for ``airflow dags test`` runs: SQLite metadata DB, our dags/, migrated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def airflow_env(tmp: Path, definitions: Path, backend: str = "local", **extra: str) -> dict[str, str]:
    """The environment of an ``airflow`` subprocess reading ``definitions``; ``extra`` adds or overrides names."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(tmp / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),  # registers the automations' timetable
        "AIRFLOW_CONN_MODEL_ANALYTICS": f"sqlite:///{tmp / 'analytics.db'}",
        "AUTOMATIONS_BACKEND": backend,
        "AUTOMATIONS_DIR": str(definitions),
        "AUTOMATIONS_STATE_DIR": str(tmp / "state"),
        "PYTHONPATH": str(ROOT / "plugins"),
        **extra,
    }


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
