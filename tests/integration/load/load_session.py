"""One real Airflow for the load tests and `make bench-load`: api-server + scheduler + dag-processor, LocalExecutor,
PostgreSQL for the metadata DB and for the analytics store (two throwaway databases), local backend.

It holds ``count`` automations scheduled for the same minute (a daily cron at that minute, so one tick falls inside
the session and the next is a day away) plus ``load_serial``, which has no schedule and is triggered twice by hand.
All build the stdlib-only ``docker_tiny`` fixture model from a file:// git repository made here. Verdicts come
from the metadata DB and the analytics store, never from exit codes; ``report`` gathers them for the test and the
benchmark alike.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

from support.airflow_components import Components
from support.airflow_env import ROOT, airflow_env, migrate
from support.airflow_server import AirflowServer, free_port, token
from support.gitrepo import copy_tree_into_repo, make_repo

TINY = ROOT / "tests" / "fixtures" / "models" / "docker_tiny"
SERIAL = "load_serial"
TERMINAL = ("success", "failed")
API_COMPONENTS = ("api-server", "dag-processor", "scheduler")
STOP_SERVERS = """
import sys
from automations.backends.local.deploy import undeploy
from automations.gateway import control
from automations.settings import get_settings
local = get_settings().local
for name in sys.argv[1:]:
    try:
        undeploy(local, name, None)
    except RuntimeError as exc:
        print(name, exc, file=sys.stderr)
control.stop(local.deployments_dir)
"""


def names(count: int) -> list[str]:
    return [f"load_{i:02d}" for i in range(count)]


def definition(name: str, repo: Path, cron: str | None, threshold: str) -> str:
    spec: dict = {
        "name": name,
        "model_id": name.replace("_", "-"),
        "action": {
            "build_spec": {"git_uri": f"file://{repo}#tiny", "git_branch": "main"},
            "deployment_condition": {"metric_name": "accuracy", "direction": "ABOVE", "threshold": threshold},
            "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 300},
        },
    }
    if cron:
        spec["trigger"] = {"cron": cron}
    return json.dumps(spec)  # JSON is YAML


def next_tick(lead_s: float) -> datetime:
    """The first whole minute at least ``lead_s`` from now: long enough for every DAG to appear first."""
    at = datetime.now(UTC) + timedelta(seconds=lead_s)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


@dataclass
class LoadSession:
    tmp: Path
    env: dict[str, str]
    pg: object  # tests.integration.postgres.conftest.Server
    metadata_db: str
    analytics_db: str
    scheduled: list[str]
    tick: datetime
    components: Components
    server: AirflowServer | None = None
    triggered: list[str] = field(default_factory=list)

    def query(self, sql: str, *args, database: str | None = None) -> list[tuple]:
        conn = psycopg2.connect(self.pg.uri(database or self.metadata_db))
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    def analytics(self, sql: str, *args) -> list[tuple]:
        return self.query(sql, *args, database=self.analytics_db)

    @property
    def all_names(self) -> list[str]:
        return [*self.scheduled, SERIAL]

    def wait(self, predicate, what: str, timeout_s: float, poll_s: float = 3):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(poll_s)
        tails = "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(self.tmp.glob("*.log"))
        )
        raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}\n{tails}")

    def dags_present(self) -> bool:
        rows = self.query("SELECT dag_id FROM dag WHERE dag_id = ANY(%s) AND NOT is_paused", self.all_names)
        return len(rows) == len(self.all_names)

    def trigger_serial_twice(self) -> None:
        for _ in range(2):
            status, body = self.server.request("POST", f"/api/v2/dags/{SERIAL}/dagRuns", {"logical_date": None})
            assert status == 200, (status, body)
            self.triggered.append(body["dag_run_id"])

    def runs(self) -> list[tuple]:
        """(dag_id, run_id, run_type, logical_date, state, start_date, end_date) of every run of the session."""
        return self.query(
            "SELECT dag_id, run_id, run_type, logical_date, state, start_date, end_date FROM dag_run"
            " WHERE dag_id = ANY(%s) ORDER BY dag_id, id",
            self.all_names,
        )

    def finished(self) -> bool:
        runs = self.runs()
        scheduled = [r for r in runs if r[0] != SERIAL]
        serial = [r for r in runs if r[0] == SERIAL]
        return len(scheduled) >= len(self.scheduled) and len(serial) >= 2 and all(r[4] in TERMINAL for r in runs)

    def task_times(self, dag_id: str, task_id: str) -> list[tuple]:
        """(run_id, state, start_date, end_date) of one task in every run of ``dag_id``, in start order."""
        return self.query(
            "SELECT run_id, state, start_date, end_date FROM task_instance WHERE dag_id = %s AND task_id = %s"
            " ORDER BY start_date",
            dag_id,
            task_id,
        )

    def deployments(self) -> dict[str, dict]:
        folder = Path(self.env["AUTOMATIONS_STATE_DIR"]) / "deployments"
        found = {}
        for name in self.scheduled:
            path = folder / f"{name}--default.json"
            if path.is_file():
                found[name] = json.loads(path.read_text())
        return found

    def stable_ports(self) -> dict[str, int]:
        path = Path(self.env["AUTOMATIONS_STATE_DIR"]) / "deployments" / "ports.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def close(self) -> None:
        self.components.stop()
        subprocess.run(
            [sys.executable, "-c", STOP_SERVERS, *self.all_names], env=self.env, capture_output=True, timeout=300
        )
        for database in (self.metadata_db, self.analytics_db):
            self.pg.drop_database(database)


def environment(tmp: Path, definitions: Path, pg, metadata_db: str, analytics_db: str, parallelism: int) -> dict:
    port = free_port()
    return airflow_env(
        tmp,
        definitions,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=pg.uri(metadata_db).replace("postgresql://", "postgresql+psycopg2://"),
        AIRFLOW_CONN_MODEL_ANALYTICS=pg.uri(analytics_db),
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM=str(parallelism),
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__WORKERS="1",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),  # api-server and task processes must share it
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        # Re-parsing 50 definitions every few seconds would compete with the builds for the two cores.
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="300",
        AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="2",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )


def start(tmp: Path, pg, count: int, parallelism: int, lead_s: float = 60) -> LoadSession:
    """Migrate, write the definitions for the next tick ``lead_s`` ahead, start Airflow, wait for its API."""
    repo = make_repo(tmp / "models", {"README.md": "the load tests' model\n"})
    copy_tree_into_repo(repo, TINY, "tiny", "tiny model")
    definitions = tmp / "automations"
    definitions.mkdir()
    metadata_db, analytics_db = pg.create_database(), pg.create_database()
    env = environment(tmp, definitions, pg, metadata_db, analytics_db, parallelism)
    migrate(env)
    tick = next_tick(lead_s)
    scheduled = names(count)
    for name in scheduled:  # accuracy 0.875 passes 0.5: every scheduled automation deploys
        text = definition(name, tmp / "models", f"{tick.minute} {tick.hour} * * *", "0.5")
        (definitions / f"{name}.yaml").write_text(text)
    # Its gate fails (0.875 < 0.9): the two serial runs build and skip the deploy, which keeps them cheap.
    (definitions / f"{SERIAL}.yaml").write_text(definition(SERIAL, tmp / "models", None, "0.9"))
    components = Components(env, tmp, API_COMPONENTS)
    session = LoadSession(tmp, env, pg, metadata_db, analytics_db, scheduled, tick, components)
    components.start("load")
    url = f"http://127.0.0.1:{env['AIRFLOW__API__PORT']}"
    home = Path(env["AIRFLOW_HOME"])
    passwords = home / "simple_auth_manager_passwords.json.generated"
    session.server = AirflowServer(url, "", home, tmp / "api-server-load.log")
    session.server.token = session.wait(
        lambda: passwords.exists() and token(url, "admin", json.loads(passwords.read_text())["admin"]),
        "the API server",
        180,
    )
    return session


def predicts(endpoint: str) -> bool:
    request = urllib.request.Request(f"{endpoint}/predict", data=json.dumps([{"x": 0.9}, {"x": 0.1}]).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()) in ([1, 0], [{"prediction": 1}, {"prediction": 0}])


def overlaps(times: list[tuple]) -> list[str]:
    """Pairs of (run_id, state, start, end) whose [start, end] intervals intersect."""
    found = []
    for i, a in enumerate(times):
        for b in times[i + 1 :]:
            if a[2] < b[3] and b[2] < a[3]:
                found.append(f"{a[0]} {a[2]}..{a[3]} overlaps {b[0]} {b[2]}..{b[3]}")
    return found


def report(session: LoadSession) -> dict:
    """What the load tests assert and the benchmark prints: runs per tick, states, ports, files, analytics rows."""
    runs = session.runs()
    scheduled = [r for r in runs if r[0] != SERIAL]
    per_dag = {name: [r for r in scheduled if r[0] == name] for name in session.scheduled}
    on_tick = {name: [r for r in rs if r[2] == "scheduled" and r[3] == session.tick] for name, rs in per_dag.items()}
    deployments = session.deployments()
    ports = session.stable_ports()
    others = {p for k, p in ports.items() if k.split("--")[0] not in session.scheduled}
    rows = session.analytics(
        "SELECT automation, count(*) FROM deployments WHERE status = 'deployed' AND automation = ANY(%s)"
        " GROUP BY automation",
        session.scheduled,
    )
    ends = [r[6] for r in scheduled if r[6]]
    starts = [r[5] for r in scheduled if r[5]]
    serial_builds = session.task_times(SERIAL, "build")
    serial_rows = session.analytics(
        "SELECT dag_run_id, status, started, finished FROM builds WHERE automation = %s ORDER BY started", SERIAL
    )
    return {
        "automations": len(session.scheduled),
        "runs": len(scheduled),
        "lost": sorted(n for n, rs in on_tick.items() if not rs),
        "duplicated": sorted(n for n, rs in per_dag.items() if len(rs) > 1),
        "not_on_tick": sorted(n for n, rs in per_dag.items() if len(rs) != len(on_tick[n])),
        "failed": sorted(r[0] for r in scheduled if r[4] != "success"),
        "wall_s": math.ceil((max(ends) - session.tick).total_seconds()) if ends else None,
        "first_start_s": round((min(starts) - session.tick).total_seconds(), 1) if starts else None,
        "deployed": len(deployments),
        "stable_ports": len({d["endpoint"] for d in deployments.values()}),
        # ports.json also holds the gateway's own ports: count the automations' keys, distinct and all different
        "ports_json": len({p for k, p in ports.items() if k.split("--")[0] in session.scheduled} - others),
        "upstream_ports": len({d["port"] for d in deployments.values()}),
        "server_pids": len({d["pid"] for d in deployments.values()}),
        "log_files": len({d["log_file"] for d in deployments.values()}),
        "artifacts": len({d["artifact"] for d in deployments.values()}),
        "answering": sum(predicts(d["endpoint"]) for d in deployments.values()),
        "analytics_rows": sum(count for _, count in rows),
        "analytics_automations": len(rows),
        "serial_runs": [(r[1], r[4]) for r in runs if r[0] == SERIAL],
        "serial_builds": serial_builds,
        "serial_build_overlaps": overlaps(serial_builds),
        "serial_analytics_overlaps": overlaps(serial_rows),
        "serial_analytics_rows": len(serial_rows),
    }
