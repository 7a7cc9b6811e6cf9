"""execute_immediately and is_enabled under a real `airflow scheduler` + `airflow dag-processor` (SQLite home).

One session, three definitions on a yearly cron (so no slot falls inside the test):
- ``ei_true`` (execute_immediately, enabled): exactly one run once it appears;
- ``ei_false`` (the default): no run; its next run is the next slot after it appeared, never a past one;
- ``ei_paused`` (is_enabled false): created paused;
- ``metric_paused``: a paused MetricBasedTrigger checking every minute: no check (no run) while paused.
Then the user flips both toggles; re-parses keep the user's choice, and a restart of both components starts no
other run. Verdicts come from the metadata DB's `dag` and `dag_run` tables.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from support.airflow_components import Components
from support.airflow_env import AIRFLOW, airflow_env, migrate

pytestmark = pytest.mark.integration

YEARLY = "0 0 1 1 *"
NEXT_JAN_1 = datetime(datetime.now(UTC).year + 1, 1, 1, tzinfo=UTC)
DEFINITIONS = {
    "ei_true": {"execute_immediately": True},
    "ei_false": {},
    "ei_paused": {"is_enabled": False},
    # A paused metric-based automation that would check at once and every minute: its checks are its runs.
    "metric_paused": {
        "is_enabled": False,
        "execute_immediately": True,
        "trigger": {"metric": {"sql_query": "SELECT 1"}, "threshold": "0", "override_cron": "* * * * *"},
    },
}
TIMEOUT_S = 150


def _definition(name: str, extra: dict, repo: Path) -> str:
    return json.dumps(
        {
            "name": name,
            "model_id": name.replace("_", "-"),
            "trigger": {"cron": YEARLY},
            "action": {"build_spec": {"git_uri": f"file://{repo}"}},
            **extra,
        }
    )


def _query(env: dict[str, str], sql: str, *args) -> list[tuple]:
    db = sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db", timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def dags(env) -> dict[str, tuple]:
    rows = _query(env, "SELECT dag_id, is_paused, next_dagrun_create_after, last_parsed_time FROM dag")
    return {r[0]: r[1:] for r in rows}


def runs(env) -> dict[str, int]:
    counted = dict(_query(env, "SELECT dag_id, count(*) FROM dag_run GROUP BY dag_id"))
    return {name: counted.get(name, 0) for name in DEFINITIONS}


def wait_until(predicate, what: str, logs: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(2)
    tails = "\n".join(p.read_text()[-1500:] for p in sorted(logs.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


def parsed_since(env, moment: str) -> bool:
    """Every automation was re-parsed after ``moment`` (an ISO timestamp as the DB stores them)."""
    found = dags(env)
    return all(name in found and (found[name][2] or "") > moment for name in DEFINITIONS)


def _db_now(env) -> str:
    return _query(env, "SELECT max(last_parsed_time) FROM dag")[0][0]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scheduler")
    definitions = tmp / "automations"
    definitions.mkdir()
    env = airflow_env(
        tmp,
        definitions,
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="2",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="5",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
    )
    migrate(env)
    for name, extra in DEFINITIONS.items():
        (definitions / f"{name}.yaml").write_text(_definition(name, extra, tmp / "no-such-repo"))
    components = Components(env, tmp)
    appeared = datetime.now(UTC)
    components.start("first")
    try:
        yield {"env": env, "tmp": tmp, "components": components, "appeared": appeared}
    finally:
        components.stop()


def test_first_appearance(airflow):
    env, logs = airflow["env"], airflow["tmp"]
    wait_until(
        lambda: set(DEFINITIONS) <= set(dags(env)) and runs(env)["ei_true"] >= 1,
        "the three DAGs and ei_true's immediate run",
        logs,
    )
    time.sleep(10)  # a few more scheduler loops and a re-parse: nothing else may start
    assert runs(env) == {"ei_true": 1, "ei_false": 0, "ei_paused": 0, "metric_paused": 0}
    state = dags(env)
    assert state["metric_paused"][0] == 1, "a paused metric-based automation runs no checks"
    assert state["ei_paused"][0] == 1 and state["ei_true"][0] == 0 and state["ei_false"][0] == 0
    next_false = datetime.fromisoformat(state["ei_false"][1]).replace(tzinfo=UTC)
    assert next_false == NEXT_JAN_1, "the first run is the next slot after appearance, not the last one"
    [(run_type, logical)] = _query(env, "SELECT run_type, logical_date FROM dag_run WHERE dag_id = 'ei_true'")
    assert run_type == "scheduled"
    assert datetime.fromisoformat(logical).replace(tzinfo=UTC) >= airflow["appeared"].replace(microsecond=0)


def test_user_toggles_survive_reparses_and_a_restart_starts_no_other_run(airflow):
    env, logs, components = airflow["env"], airflow["tmp"], airflow["components"]
    for command, name in (("unpause", "ei_paused"), ("pause", "ei_false")):
        done = subprocess.run([AIRFLOW, "dags", command, name], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    toggled = _db_now(env)
    wait_until(lambda: parsed_since(env, toggled), "a re-parse after the toggles", logs)
    state = dags(env)
    assert (state["ei_paused"][0], state["ei_false"][0]) == (0, 1), "a re-parse flipped a user's toggle"

    components.stop()
    restarted = _db_now(env)
    components.start("restart")
    wait_until(lambda: parsed_since(env, restarted), "a re-parse after the restart", logs)
    time.sleep(10)
    assert runs(env) == {"ei_true": 1, "ei_false": 0, "ei_paused": 0, "metric_paused": 0}, "a restart started a run"
    state = dags(env)
    assert (state["ei_paused"][0], state["ei_false"][0], state["ei_true"][0]) == (0, 1, 0)
    re_enabled_next = datetime.fromisoformat(state["ei_paused"][1]).replace(tzinfo=UTC)
    assert re_enabled_next == NEXT_JAN_1, "an enabled automation waits for its next slot"
