"""MetricBasedTrigger end to end on real PostgreSQL: every check is a run of the automation's own DAG, as
`airflow dags test -c '{"metric_check": true}'` runs it (``dag.test()`` with that conf, which makes a manual run
check like a scheduled one) in the session's one Airflow process (the ``dag_driver`` fixture, support.dag_runs).

crossing -> the run builds (one build-deploy run); staying crossed -> the next check skips everything after it;
recovering -> nothing, re-armed; crossing again -> one more build; a broken query -> the check fails clearly and
nothing after it starts. Every check's value lands in ``metric_checks``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from support.airflow_env import airflow_env
from support.dag_runs import drive, run_log
from support.gitrepo import copy_tree_into_repo, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "fixtures" / "models" / "docker_tiny"
NAME = "drift_watch"
QUERY = "SELECT value FROM drift_signal WHERE automation = :automation"


def _definition(repo: Path, sql: str = QUERY) -> str:
    return json.dumps(
        {
            "name": NAME,
            "model_id": "drift-model",
            "trigger": {"metric": {"sql_query": sql}, "direction": "ABOVE", "threshold": "0.2"},
            "action": {
                "build_spec": {"git_uri": f"file://{repo}#tiny"},
                # tiny's accuracy is 0.875: the build runs, the gate skips the deploy (no server to clean up)
                "deployment_condition": {"metric_name": "accuracy", "direction": "ABOVE", "threshold": "0.99"},
            },
        }
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory, pg_server, pg_database, dag_driver):
    from git import Repo

    tmp = tmp_path_factory.mktemp("metric-trigger")
    make_repo(tmp / "models", {"README.md": "tiny\n"})
    copy_tree_into_repo(Repo(tmp / "models"), TINY, "tiny", "tiny model")
    definitions = tmp / "automations"
    definitions.mkdir()
    (definitions / f"{NAME}.yaml").write_text(_definition(tmp / "models"))
    env = airflow_env(
        tmp,
        definitions,
        AIRFLOW_HOME=dag_driver.home,
        AIRFLOW_CONN_MODEL_ANALYTICS=pg_server.uri(pg_database),
        AUTOMATIONS_METRIC_MIN_SPACING="0",
    )
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_server.uri(pg_database).replace("postgresql://", "postgresql+psycopg2://"))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS drift_signal"))
        conn.execute(text("CREATE TABLE drift_signal (automation TEXT PRIMARY KEY, value DOUBLE PRECISION)"))
        conn.execute(text("INSERT INTO drift_signal VALUES (:a, 0.0)"), {"a": NAME})
        conn.execute(text("DROP TABLE IF EXISTS metric_checks"))  # a fresh trigger history for this module
    yield {"env": env, "tmp": tmp, "engine": engine, "definitions": definitions, "driver": dag_driver.driver}
    engine.dispose()
    shutil.rmtree(tmp / "state" / "envs", ignore_errors=True)


def check(home: dict, value: float | None, label: str) -> tuple[dict[str, str], str]:
    """Set the metric, run one check (one DAG run), return its task states and output."""
    from sqlalchemy import text

    if value is not None:
        with home["engine"].begin() as conn:
            conn.execute(text("UPDATE drift_signal SET value = :v"), {"v": value})
    drive(home, NAME, f"check-{label}", conf={"metric_check": True})  # `airflow dags test NAME -c CONF`
    log = run_log(home, f"check-{label}")
    db = sqlite3.connect(Path(home["env"]["AIRFLOW_HOME"]) / "airflow.db")
    try:
        (run_id,) = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (NAME,)
        ).fetchone()
        states = dict(
            db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (NAME, run_id))
        )
    finally:
        db.close()
    return states, log.read_text()


def checks(home: dict) -> list[tuple]:
    from sqlalchemy import text

    with home["engine"].connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT value, crossed, fired FROM metric_checks ORDER BY id"))]


def test_crossing_starts_one_run_staying_crossed_none_recovering_and_crossing_again_one_more(home):
    states, log = check(home, 0.3, "cross")
    assert states["metric_trigger"] == "success" and states["clone"] == "success", log[-3000:]
    assert states["build"] == "success" and states["skip_deploy"] == "success"
    assert "value 0.3 is ABOVE (>) 0.2: crossed, FIRING (first crossing)" in log

    states, log = check(home, 0.35, "still-crossed")
    assert states["metric_trigger"] == "success", log[-3000:]
    assert {states[t] for t in ("clone", "build", "metric_gate", "deploy", "skip_deploy")} == {"skipped"}
    assert "waiting for it to recover before firing again" in log

    states, log = check(home, 0.1, "recovered")
    assert states["clone"] == "skipped" and "recovered, so the trigger is armed again" in log

    states, log = check(home, 0.4, "cross-again")
    assert states["clone"] == "success" and states["build"] == "success", log[-3000:]
    assert "crossed again after recovering, FIRING" in log

    assert checks(home) == [(0.3, True, True), (0.35, True, False), (0.1, False, False), (0.4, True, True)]


def test_a_broken_query_fails_clearly_and_starts_nothing(home):
    (home["definitions"] / f"{NAME}.yaml").write_text(
        _definition(home["tmp"] / "models", "SELECT automation, value FROM drift_signal")
    )
    states, log = check(home, None, "broken")
    assert states["metric_trigger"] == "failed", log[-3000:]
    assert states["clone"] in ("upstream_failed", None) and states["build"] != "success"
    assert (
        "automation 'drift_watch', MetricBasedTrigger: metric query must return exactly one row with one "
        "numeric column, but it returned 2 columns (automation, value)"
    ) in log
    assert "SELECT automation, value FROM drift_signal" in log
    assert checks(home)[-1] == (None, None, False)
