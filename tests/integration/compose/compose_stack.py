"""The compose stack as the tests drive it: stack.sh's docker-compose, the REST API, the analytics DB, and what
docker still lists under the project's label."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.airflow_server import AirflowServer

ROOT = Path(__file__).resolve().parents[3]
STACK = ROOT / "scripts" / "compose" / "stack.sh"


@dataclass
class Stack:
    project: str
    env: dict[str, str]
    server: AirflowServer
    up_seconds: float

    def compose(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(STACK), "compose", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check:
            assert done.returncode == 0, f"{' '.join(args)}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
        return done

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def health(self, service: str) -> str:
        """The container's docker healthcheck status: starting, healthy or unhealthy."""
        inspect = ["docker", "inspect", "-f", "{{.State.Health.Status}}", self.container(service)]
        return subprocess.run(inspect, capture_output=True, text=True).stdout.strip()

    def psql(self, database: str, sql: str) -> str:
        done = self.compose("exec", "-T", "postgres", "psql", "-U", "airflow", "-d", database, "-Atc", sql)
        return done.stdout.strip()

    def leftovers(self) -> dict[str, list[str]]:
        label = f"label=com.docker.compose.project={self.project}"
        found = {}
        for kind, cmd in {
            "containers": ["docker", "ps", "-aq", "--filter", label],
            "networks": ["docker", "network", "ls", "-q", "--filter", label],
            "volumes": ["docker", "volume", "ls", "-q", "--filter", label],
        }.items():
            found[kind] = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()
        return found


def env_value(path: Path, name: str) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"{name} not in {path}")


def dag_run(server: AirflowServer, dag_id: str, conf: dict | None = None) -> dict:
    status, run = server.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}})
    assert status == 200, run
    return run


def task_instances(server: AirflowServer, dag_id: str, run_id: str) -> dict[str, dict]:
    _, body = server.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    return {t["task_id"]: t for t in body.get("task_instances", [])}


def finished(server: AirflowServer, dag_id: str, run_id: str) -> dict | None:
    _, run = server.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
    return run if run.get("state") in ("success", "failed") else None


def dump(obj) -> str:
    return json.dumps(obj, indent=1, default=str)[-3000:]
