"""A real PostgreSQL server for the analytics tests: Debian's package, installed and started here when absent.

One throwaway database per test session (dropped at the end), reached by a role of our own with a password,
so other suites' use of the ``postgres`` role is untouched. With CI=true a server that cannot be had FAILS the
run; elsewhere it skips with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass

import pytest
from tests.support.automations import make_automation

ROLE = "automations_test"
PASSWORD = "automations-test-pw"
PORT = 5432
APT = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]
TABLES = (
    "builds",
    "build_metrics",
    "build_params",
    "gate_verdicts",
    "deployments",
    "integration_tests",
    "metric_checks",
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI and {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def _run(cmd: list[str], timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _install() -> None:
    if shutil.which("pg_ctlcluster"):
        return
    if os.geteuid() != 0:
        _unavailable("is not installed and installing it needs root")
    _run([*APT, "update"])
    done = _run([*APT, "install", "-y", "postgresql"])
    if done.returncode != 0 or not shutil.which("pg_ctlcluster"):
        _unavailable(f"could not be installed: {done.stderr.strip()[-500:]}")


def _cluster_version() -> str:
    # Debian 12 ships 15; read it from pg_lsclusters so another release still works.
    listing = _run(["pg_lsclusters", "--no-header"]).stdout.split()
    return listing[0] if listing else "15"


def _start() -> None:
    version = _cluster_version()
    started = _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], timeout=120)
    if started.returncode != 0 and "already running" not in (started.stderr + started.stdout):
        _unavailable(f"did not start: {started.stderr.strip()}")
    for _ in range(60):
        if _run(["pg_isready", "-h", "127.0.0.1", "-p", str(PORT)], timeout=10).returncode == 0:
            return
        time.sleep(0.5)
    _unavailable(f"does not answer on 127.0.0.1:{PORT}")


def psql(sql: str, database: str = "postgres") -> str:
    """Run SQL as the postgres superuser over the local socket."""
    done = _run(["runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-d", database, "-Atc", sql])
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}")
    return done.stdout


def _ensure_role() -> None:
    exists = psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'").strip()
    verb = "ALTER" if exists else "CREATE"
    psql(f"{verb} ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")


@dataclass(frozen=True)
class Server:
    host: str = "127.0.0.1"
    port: int = PORT

    def uri(self, database: str) -> str:
        # The postgres provider maps the postgresql:// scheme to its "postgres" connection type.
        return f"postgresql://{ROLE}:{PASSWORD}@{self.host}:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"analytics_{uuid.uuid4().hex[:12]}"
        psql(f"CREATE DATABASE {name} OWNER {ROLE}")
        return name

    def drop_database(self, name: str) -> None:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server() -> Server:
    _install()
    _start()
    try:
        _ensure_role()
    except RuntimeError as exc:
        _unavailable(str(exc))
    return Server()


@pytest.fixture(scope="session")
def pg_database(pg_server: Server):
    name = pg_server.create_database()
    yield name
    from automations.analytics.connection import dispose_engines

    dispose_engines()
    pg_server.drop_database(name)


@pytest.fixture()
def analytics_env(pg_server: Server, pg_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path):
    """model_analytics points at the session database, whose tables are emptied before each test."""
    monkeypatch.setenv("AIRFLOW_CONN_MODEL_ANALYTICS", pg_server.uri(pg_database))
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    from automations.analytics import open_store
    from automations.settings import get_settings

    store = open_store(get_settings())
    assert store.target.dialect == "postgresql" and not store.target.embedded
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
    return store


@pytest.fixture()
def automation_factory():
    return make_automation
