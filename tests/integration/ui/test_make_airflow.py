"""`make airflow`: starts a healthy Airflow with our DAGs, prints URL and login, stops everything on Ctrl-C, and
a re-run reuses the home (toggles, runs and the login survive)."""

from __future__ import annotations

import shutil
import signal

import make_airflow
import pytest

pytestmark = [pytest.mark.integration]

EXAMPLE = make_airflow.ROOT / "include" / "automations" / "example_classifier.yaml"


def _dag(server, dag_id):
    status, body = server.request("GET", f"/api/v2/dags/{dag_id}")
    return body if status == 200 else None


def _stop_and_check(session) -> None:
    # make itself dies of the SIGINT (as in a terminal) once the launcher has finished its clean stop
    assert session.ctrl_c() in (0, -signal.SIGINT), session.output.read_text()
    session.wait_stopped()
    left = [f"{p.pid} {' '.join(p.cmdline())}" for p in session.alive()]
    assert not left, "still running after Ctrl-C:\n" + "\n".join(left)
    assert "nothing is left running" in session.output.read_text()


def test_make_airflow_starts_stops_on_ctrl_c_and_reuses_its_home(tmp_path):
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    shutil.copy(EXAMPLE, definitions)

    session, server = make_airflow.start(tmp_path, definitions)
    try:
        user, password = make_airflow.login(session.output)
        assert server.url.startswith("http://127.0.0.1:") and user == "admin" and server.token
        status, health = server.request("GET", "/api/v2/monitor/health")
        assert status == 200 and {part["status"] for part in health.values()} == {"healthy"}, health
        dag = server.wait_for(lambda: _dag(server, "example_classifier"), "the example DAG", 120)
        assert {t["name"] for t in dag["tags"]} >= {"automation", "example_classifier"}
        # Paused, a triggered run stays queued: it survives the restart without building anything.
        assert server.request("PATCH", "/api/v2/dags/example_classifier", {"is_paused": True})[0] == 200
        status, run = server.request(
            "POST", "/api/v2/dags/example_classifier/dagRuns", {"logical_date": None, "conf": {}}
        )
        assert status == 200, run
        session.snapshot()
        assert len(session.seen) >= 5, session.seen  # launcher, standalone and its components
    finally:
        _stop_and_check(session)

    session, server = make_airflow.start(tmp_path, definitions)
    try:
        assert make_airflow.login(session.output) == (user, password)
        assert server.token, "the login printed by the re-run does not work"
        assert _dag(server, "example_classifier")["is_paused"] is True
        status, runs = server.request("GET", "/api/v2/dags/example_classifier/dagRuns")
        assert status == 200 and run["dag_run_id"] in {r["dag_run_id"] for r in runs["dag_runs"]}
    finally:
        _stop_and_check(session)
