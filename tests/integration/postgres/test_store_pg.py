"""The analytics store on real PostgreSQL: schema creation, `db init`, and concurrent writers losing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from automations.analytics import BuildRow, BuildStatus, RunKey, VerdictRow, open_store
from automations.analytics.connection import dispose_engines
from automations.analytics.store import _SCHEMA_READY
from automations.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]
EXPECTED_COLUMNS = {
    "build_metrics": {"automation", "model_id", "dag_run_id", "build_id", "commit", "metric_name", "value",
                      "logged_at"},
    "builds": {"automation", "model_id", "dag_run_id", "build_id", "status", "commit", "image", "artifact", "started",
               "finished"},
    "gate_verdicts": {"automation", "model_id", "dag_run_id", "build_id", "condition", "metric_name", "actual",
                      "direction", "threshold", "passed", "forced", "at"},
    "deployments": {"automation", "model_id", "variation", "environment", "build_id", "target", "status", "at"},
}


@pytest.fixture()
def fresh_database(pg_server, monkeypatch, tmp_path):
    """An empty database of its own: the schema has never been created in it."""
    name = pg_server.create_database()
    monkeypatch.setenv("AIRFLOW_CONN_MODEL_ANALYTICS", pg_server.uri(name))
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    yield pg_server.uri(name)
    dispose_engines()
    _SCHEMA_READY.clear()
    pg_server.drop_database(name)


def _columns(store) -> dict[str, set[str]]:
    rows = store.fetch("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'")
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def test_db_init_creates_every_table_idempotently(fresh_database, capsys):
    from automations.__main__ import main

    assert main(["db", "init"]) == 0
    assert main(["db", "init"]) == 0  # a second run changes nothing and does not fail
    out = capsys.readouterr().out
    assert "postgresql" in out and "automations-test-pw" not in out
    store = open_store(get_settings())
    columns = _columns(store)
    for table, expected in EXPECTED_COLUMNS.items():
        assert expected <= columns[table], table


def test_tables_are_created_when_first_needed(fresh_database):
    store = open_store(get_settings())
    store.record_build(BuildRow(RunKey("a", "m", "r", "b"), BuildStatus.failed, "abc"))
    assert store.fetch('SELECT status, "commit" FROM builds') == [("failed", "abc")]


def _writer_script(uri: str, automation: str, builds: int) -> str:
    return textwrap.dedent(f"""
        import os
        os.environ["AIRFLOW_CONN_MODEL_ANALYTICS"] = {uri!r}
        from automations.analytics import BuildRow, BuildStatus, RunKey, open_store
        from automations.settings import get_settings
        store = open_store(get_settings())
        for i in range({builds}):
            key = RunKey({automation!r}, {automation!r} + "_model", f"run-{{i}}", f"{automation}-{{i}}")
            store.record_build(BuildRow(key, BuildStatus.succeeded, "c"), {{"f1": i / 100, "auc": 0.5, "loss": 1.0}})
    """)


def test_two_processes_on_a_fresh_database_lose_nothing(fresh_database):
    """Two automations' workers start at once: both create the schema on first use and write 60 builds each."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins")}
    procs = [
        subprocess.Popen([sys.executable, "-c", _writer_script(fresh_database, name, 60)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("alpha", "beta")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-2000:]
    store = open_store(get_settings())
    counts = store.fetch("SELECT automation, count(*) FROM builds GROUP BY automation ORDER BY automation")
    metrics = store.fetch("SELECT automation, count(*) FROM build_metrics GROUP BY automation ORDER BY automation")
    assert counts == [("alpha", 60), ("beta", 60)]
    assert metrics == [("alpha", 180), ("beta", 180)]


def test_threads_writing_builds_and_verdicts_at_once_lose_nothing(analytics_env):
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def write(automation: str, worker: int) -> None:
        try:
            store = open_store(get_settings())
            start.wait(timeout=30)
            for i in range(25):
                key = RunKey(automation, f"{automation}_model", f"run-{worker}-{i}", f"{automation}-{worker}-{i}")
                store.record_build(BuildRow(key, BuildStatus.succeeded, "c"), {"f1": 0.5, "auc": 0.6})
                store.record_verdicts(key, [VerdictRow("c", "f1", 0.5, "ABOVE", 0.4, True)], forced=False)
        except BaseException as exc:  # collected and asserted below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name, w)) for name in ("alpha", "beta") for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert analytics_env.fetch("SELECT automation, count(*) FROM builds GROUP BY automation ORDER BY 1") == [
        ("alpha", 100), ("beta", 100)
    ]
    assert analytics_env.fetch("SELECT count(*) FROM build_metrics") == [(400,)]
    assert analytics_env.fetch("SELECT automation, count(*) FROM gate_verdicts GROUP BY automation ORDER BY 1") == [
        ("alpha", 100), ("beta", 100)
    ]
