"""Whole-DAG runs (``dag.test()``, as ``airflow dags test`` does it) for the e2e tests: definitions, runs, their
task states and the local deployment they left. ``e2e`` is the module's dict: ``env`` (support.airflow_env),
``definitions``, ``tmp`` and ``driver``: one long-lived Airflow process (support.dag_driver), so Airflow's start-up
is paid once instead of once per run. The ``dag_driver`` session fixture (tests/conftest.py, ``shared_driver``) is
one such process and one Airflow home for every module that uses it: each run gets its module's ``env`` (state
dir, definitions, analytics connection, Variables), and a module's ``env`` names the shared ``AIRFLOW_HOME``.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from support.airflow_env import airflow_env, migrate
from support.dag_driver import Driver


def definition(
    name: str, repo: Path, subdir: str, threshold: str = "0.9", build_spec: dict | None = None, **deployment
) -> str:
    """An automation of the model at ``repo#subdir`` gated on f1_score above ``threshold``, as YAML (JSON is YAML)."""
    return json.dumps(
        {  # JSON is YAML
            "name": name,
            "model_id": name.replace("_", "-"),
            "action": {
                "build_spec": {"git_uri": f"file://{repo}#{subdir}", "git_branch": "main", **(build_spec or {})},
                "deployment_condition": {"metric_name": "f1_score", "direction": "ABOVE", "threshold": threshold},
                "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 120, **deployment},
            },
        }
    )


def write_definition(e2e: dict, name: str, text: str) -> None:
    for old in e2e["definitions"].glob("*.yaml"):
        old.unlink()  # one definition at a time: every `dags test` parses the whole folder
    (e2e["definitions"] / f"{name}.yaml").write_text(text)


@contextmanager
def driver(env: dict[str, str], tmp: Path) -> Iterator[Driver]:
    """The module's Airflow process for its runs; its log is ``tmp/driver.log``, each run's part in ``run_log``."""
    running = Driver(env, tmp / "driver.log")
    try:
        yield running
    finally:
        running.close()


@dataclass(frozen=True)
class SharedDriver:
    home: str  # the AIRFLOW_HOME a module's env must name: its metadata DB is the driver's
    driver: Driver


@contextmanager
def shared_driver(tmp: Path) -> Iterator[SharedDriver]:
    """One migrated Airflow home and one driver for the session's modules (their dag_ids differ)."""
    (tmp / "definitions").mkdir()
    env = airflow_env(tmp, tmp / "definitions")
    migrate(env)
    with driver(env, tmp) as running:
        yield SharedDriver(env["AIRFLOW_HOME"], running)


def run_log(e2e: dict, label: str) -> Path:
    return e2e["tmp"] / f"dags-test-{label}.log"


def drive(e2e: dict, name: str, label: str, logical_date: str | None = None, conf: dict | None = None) -> dict:
    """One run of ``name`` (as `airflow dags test NAME [DATE] [-c CONF]`); its output goes to ``run_log``."""
    outcome = e2e["driver"].run(name, label, e2e["env"], timeout_s=900, logical_date=logical_date, conf=conf)
    run_log(e2e, label).write_text(e2e["driver"].output(label))
    return outcome


def run_dag(e2e: dict, name: str, label: str) -> dict[str, str]:
    """One run of ``name`` (``drive``), then the task states of that run read from the metadata DB."""
    outcome = drive(e2e, name, label)
    log = run_log(e2e, label)
    db = sqlite3.connect(Path(e2e["env"]["AIRFLOW_HOME"]) / "airflow.db")
    try:
        row = db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (name,)).fetchone()
        assert row, f"no dag_run for {name} ({outcome}):\n{log.read_text()[-4000:]}"
        states = dict(
            db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (name, row[0]))
        )
    finally:
        db.close()
    print(f"{label}: {states} (log {log})")
    return states


def current_deployment(e2e: dict, name: str) -> dict | None:
    path = Path(e2e["env"]["AUTOMATIONS_STATE_DIR"]) / "deployments" / f"{name}--default.json"
    return json.loads(path.read_text()) if path.is_file() else None


def predict(endpoint: str, records: list[dict]) -> list:
    request = urllib.request.Request(f"{endpoint}/predict", data=json.dumps(records).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def xcom(e2e: dict, name: str, task_id: str) -> dict | None:
    """The newest run's ``return_value`` of ``task_id`` (JSON, as Airflow 3 stores XCom), or None."""
    db = sqlite3.connect(Path(e2e["env"]["AIRFLOW_HOME"]) / "airflow.db")
    try:
        row = db.execute(
            "SELECT x.value FROM xcom x JOIN dag_run r ON r.id = x.dag_run_id WHERE x.dag_id = ? AND x.task_id = ? "
            "AND x.key = 'return_value' ORDER BY r.id DESC LIMIT 1",
            (name, task_id),
        ).fetchone()
    finally:
        db.close()
    if row is None:
        return None
    value = json.loads(row[0]) if isinstance(row[0], (str, bytes)) else row[0]
    return json.loads(value) if isinstance(value, str) else value
