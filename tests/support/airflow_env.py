"""An Airflow home of a test's own for ``airflow dags test`` runs: SQLite metadata DB, our dags/, migrated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
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


_MIGRATED: list[Path] = []  # this test process's migrated SQLite metadata DB, copied into every new home


def migrate(env: dict[str, str]) -> None:
    """``airflow db migrate`` for the home of ``env``; a SQLite home gets a copy of one migrated DB instead.

    Every SQLite home of a test run would migrate the same empty DB to the same head (8-20 s each on the shared
    machine), so the first one is migrated in a home of its own, without the caller's Variables and Connections
    (nothing planted reaches the copy), and later homes copy that file.
    """
    if env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"):
        _migrate(env)
        return
    if not _MIGRATED:
        home = Path(tempfile.mkdtemp(prefix="airflow-migrated-"))
        clean = {k: v for k, v in env.items() if not k.startswith(("AIRFLOW_VAR_", "AIRFLOW_CONN_"))}
        _migrate({**clean, "AIRFLOW_HOME": str(home)})
        _MIGRATED.append(home / "airflow.db")
    target = Path(env["AIRFLOW_HOME"])
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_MIGRATED[0], target / "airflow.db")


def _migrate(env: dict[str, str]) -> None:
    done = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
