"""The compose stack, from nothing: healthy, the example automation run over REST with its tasks on both Celery
workers and its rows in the analytics Postgres DB, a worker killed in the middle of a second run, and `down -v`
leaving nothing.

The tests run in file order on one stack (started by the session fixture); the last one takes it down.
"""

from __future__ import annotations

import time

import pytest
from compose_stack import dag_run, dump, finished, task_instances

pytestmark = [pytest.mark.integration, pytest.mark.docker, pytest.mark.compose]

DAG = "example_classifier"
WORKERS = {"airflow-worker-1", "airflow-worker-2"}
RUN_TIMEOUT_S = 900  # a fresh virtualenv per build; this machine's 2 cores are shared
COUNTS = (
    "SELECT (SELECT count(*) FROM builds WHERE automation = 'example_classifier') || ',' || "
    "(SELECT count(*) FROM gate_verdicts WHERE automation = 'example_classifier') || ',' || "
    "(SELECT count(*) FROM deployments WHERE automation = 'example_classifier')"
)
state: dict = {}


def test_every_component_is_healthy(stack):
    status, health = stack.server.request("GET", "/api/v2/monitor/health")
    assert status == 200 and set(health) >= {"metadatabase", "scheduler", "triggerer", "dag_processor"}, health
    assert {part["status"] for part in health.values()} == {"healthy"}, health
    status, version = stack.server.request("GET", "/api/v2/version")
    assert status == 200 and version["version"] == "3.3.2"
    for worker in sorted(WORKERS):  # both workers' docker healthchecks (celery inspect ping) passed
        assert stack.health(worker) == "healthy", worker


def _runs(server) -> list[dict]:
    _, body = server.request("GET", f"/api/v2/dags/{DAG}/dagRuns?order_by=start_date")
    return body.get("dag_runs", [])


def _running_build(server, run_id: str) -> dict | None:
    build = task_instances(server, DAG, run_id).get("build") or {}
    return build if build.get("state") == "running" and build.get("hostname") else None


def _failed_logs(server, run_id: str, tasks: dict) -> str:
    """The end of each failed task's log, so a failure here says why."""
    tails = []
    for task_id, ti in tasks.items():
        if ti["state"] == "failed":
            path = f"/api/v2/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{ti['try_number'] or 1}"
            tails.append(f"--- {task_id}:\n{str(server.request('GET', path)[1])[-2500:]}")
    return "\n".join(tails)


def _finish(server, run_id: str) -> tuple[dict, dict]:
    done = server.wait_for(lambda: finished(server, DAG, run_id), f"run {run_id} to end", RUN_TIMEOUT_S, 3)
    return done, task_instances(server, DAG, run_id)


def test_example_run_succeeds_over_both_workers_and_lands_in_the_analytics_db(stack):
    server = stack.server
    server.wait_for(lambda: server.request("GET", f"/api/v2/dags/{DAG}")[0] == 200, "the example DAG", 180)
    assert server.request("PATCH", f"/api/v2/dags/{DAG}", {"is_paused": False})[0] == 200
    run_id = dag_run(server, DAG)["dag_run_id"]
    for other in [r["dag_run_id"] for r in _runs(server) if r["dag_run_id"] != run_id]:
        _finish(server, other)  # the latest cron slot, started when the enabled DAG was first parsed
    started = time.monotonic()
    done, tasks = _finish(server, run_id)
    timing = ", ".join(f"{t} {ti['duration'] or 0:.0f}s@{ti['hostname']}" for t, ti in tasks.items() if ti["hostname"])
    print(f"\ncompose: example run {done['state']} in {time.monotonic() - started:.0f}s; {timing}")
    assert done["state"] == "success", _failed_logs(server, run_id, tasks)
    assert tasks["deploy"]["state"] == "success" and tasks["skip_deploy"]["state"] == "skipped", dump(tasks)
    hosts = {ti["hostname"] for ti in tasks.values() if ti["state"] == "success"}
    assert hosts == WORKERS, f"tasks ran on {hosts}, not spread over both workers"
    builds, verdicts, deployments = map(int, stack.psql("analytics", COUNTS).split(","))
    assert builds >= 1 and verdicts >= 1 and deployments >= 1, (builds, verdicts, deployments)
    state["first_run"], state["counts"] = run_id, (builds, verdicts, deployments)


def test_killing_a_worker_mid_run_fails_that_run_clearly_and_loses_nothing_else(stack):
    server = stack.server
    run_id = dag_run(server, DAG)["dag_run_id"]
    build = server.wait_for(lambda: _running_build(server, run_id), "the build to run", 600, 1)
    victim = build["hostname"]
    stack.compose("kill", victim)
    done, tasks = _finish(server, run_id)
    print(f"\ncompose: killed {victim} during the build: run {done['state']}, build {tasks['build']['state']}")
    if done["state"] == "failed":  # the build has no retries: the heartbeat timeout fails it, and says so
        assert tasks["build"]["state"] == "failed", dump(tasks)
        assert {tasks[t]["state"] for t in ("metric_gate", "deploy", "skip_deploy")} == {"upstream_failed"}
    else:
        assert done["state"] == "success", dump(tasks)
    # Nothing else lost: the first run and its analytics rows, the other worker and the rest of the stack.
    _, first = server.request("GET", f"/api/v2/dags/{DAG}/dagRuns/{state['first_run']}")
    assert first["state"] == "success"
    counts = tuple(map(int, stack.psql("analytics", COUNTS).split(",")))
    assert all(now >= before for now, before in zip(counts, state["counts"], strict=True)), counts
    assert stack.health((WORKERS - {victim}).pop()) == "healthy"
    _, health = server.request("GET", "/api/v2/monitor/health")
    assert {part["status"] for part in health.values()} == {"healthy"}, health


def test_down_v_leaves_no_container_network_or_volume(stack):
    assert stack.leftovers()["volumes"], "the stack should have volumes before down"
    stack.compose("down", "-v", "--remove-orphans", timeout=180)
    assert stack.leftovers() == {"containers": [], "networks": [], "volumes": []}
