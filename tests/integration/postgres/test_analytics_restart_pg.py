"""Analytics writers on several processes across a PostgreSQL restart: retried, no row lost or duplicated.

On a PostgreSQL instance of this test's own (private_cluster): the shared cluster serves other test sessions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.integration.postgres.private_cluster import private_cluster

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[3]
WRITERS, ROWS = 3, 25

WRITER = """
import json, logging, sys, time
logging.getLogger("automations.analytics.retry").addHandler(logging.StreamHandler(sys.stderr))
from automations.analytics import BuildRow, BuildStatus, RunKey, open_store
from automations.settings import get_settings
store, ok, errors = None, 0, []
for i in range(int(sys.argv[2])):
    key = RunKey("restart", "m", f"run-{sys.argv[1]}-{i}", f"b-{sys.argv[1]}-{i}")
    try:
        store = store or open_store(get_settings())  # inside the try, as the build callbacks do
        store.record_build(BuildRow(key, BuildStatus.succeeded, "c"), {"f1": i / 100})
        ok += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:300])
    time.sleep(0.1)
print(json.dumps({"ok": ok, "errors": errors}))
"""


@pytest.fixture()
def cluster(pg_server, tmp_path):  # pg_server: Debian's postgresql is installed (and CI fails without it)
    with private_cluster() as running:
        yield running


def _env(cluster, tmp_path, **extra) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "plugins"),
        "AIRFLOW_CONN_MODEL_ANALYTICS": cluster.uri,
        "AUTOMATIONS_STATE_DIR": str(tmp_path / "state"),
        **extra,
    }


def _count(cluster) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(cluster.uri.replace("postgresql://", "postgresql+psycopg2://"))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM builds")).scalar_one()
    except Exception:  # the table is not there yet
        return 0
    finally:
        engine.dispose()


def _wait_for_rows(cluster, at_least: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while _count(cluster) < at_least:
        assert time.monotonic() < deadline, "the writers never started writing"
        time.sleep(0.2)


def test_writers_on_several_processes_survive_a_restart_without_losing_a_row(cluster, tmp_path):
    from sqlalchemy import create_engine, text

    env = _env(cluster, tmp_path, AUTOMATIONS_ANALYTICS_WRITE_RETRY="60")
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n), str(ROWS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WRITERS)
    ]
    _wait_for_rows(cluster, at_least=WRITERS * 3)  # every writer is under way
    started = time.monotonic()
    cluster.stop()
    time.sleep(2)  # down for a while: writes fail and are retried
    cluster.start()
    downtime = time.monotonic() - started
    outputs = [w.communicate(timeout=300) for w in writers]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [r["errors"] for r in results] == [[]] * WRITERS
    retried = sum("connection failed" in err for _, err in outputs)
    assert retried, "no writer hit the restart: the test proved nothing"
    engine = create_engine(cluster.uri.replace("postgresql://", "postgresql+psycopg2://"))
    with engine.connect() as conn:
        builds, distinct = conn.execute(text("SELECT count(*), count(DISTINCT build_id) FROM builds")).one()
        metrics = conn.execute(text("SELECT count(*) FROM build_metrics")).scalar_one()
    engine.dispose()
    figure = f"{builds} rows ({distinct} distinct)"
    print(f"{WRITERS} writers x {ROWS} rows, {downtime:.1f}s down, {retried} retried: {figure}")
    assert (builds, distinct, metrics) == (WRITERS * ROWS,) * 3


def test_a_database_down_past_the_retry_window_fails_the_write_clearly(cluster, tmp_path):
    env = _env(cluster, tmp_path, AUTOMATIONS_ANALYTICS_WRITE_RETRY="2")
    subprocess.run([sys.executable, "-c", WRITER, "warm", "1"], env=env, check=True, capture_output=True)
    cluster.stop()
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", WRITER, "down", "1"], env=env, capture_output=True, text=True)
    assert out.stdout.strip(), out.stderr[-3000:]
    [error] = json.loads(out.stdout.strip().splitlines()[-1])["errors"]
    assert error.startswith("AnalyticsUnavailable: analytics write ensure_schema failed after"), error
    assert "attempt(s)" in error and time.monotonic() - started < 30
    cluster.start()
