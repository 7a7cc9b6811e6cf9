"""Injected faults on the local backend, each a whole DAG run (`airflow dags test`) against a deployed model.

One Airflow home, one git repository and one deployment for the module: the baseline run deploys the "old"
build of tests/fixtures/models/faulty, then every case injects one fault into a run of the same automation (same
variation, same stable gateway URL) and checks three things:
1. the run fails (or skips the deploy) and its log says why, in words a user can act on;
2. the stable URL still answers /predict with the old build's prediction (served by the old build);
3. the analytics store holds what happened: a failed build, the gate's failed verdict or a failed/rolled-back
   deployment for that run (or, with the store itself down, the log says the write failed).
Verdicts come from the metadata DB (task_instance states), never from exit codes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from automations.backends.local.process import cmdline, is_alive
from support.airflow_env import airflow_env, migrate
from support.dag_driver import Driver
from support.git_http import bare_copy, private_git_server
from support.gitrepo import copy_tree_into_repo, make_repo
from support.model_server import free_port

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "tests" / "fixtures" / "models" / "faulty"
NAME = "faults"
TOKEN = "ghp_faultsGoodToken0123456789"
RECORDS = [{"x": 1}, {"x": 5}]
OLD_PREDICTION = ["old:2", "old:10"]


@dataclass
class World:
    tmp: Path
    env: dict[str, str]
    repo: Path
    definitions: Path
    state: Path
    git_url: str  # the private HTTP server that checks TOKEN
    cut_url: str  # the same, dropping the connection halfway through every pack
    driver: Driver
    deployed: dict[str, Any] = field(default_factory=dict)  # the old build's deployment record

    @property
    def analytics(self) -> Path:
        return self.tmp / "analytics.db"

    @property
    def record_file(self) -> Path:
        return self.state / "deployments" / f"{NAME}--default.json"

    def record(self) -> dict:
        return json.loads(self.record_file.read_text())


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("faults")
    repo_dir = tmp / "models"
    repo = make_repo(repo_dir, {"README.md": "models for the fault tests\n"})
    copy_tree_into_repo(repo, MODEL, "faulty", "faulty model")
    repo.git.branch("doomed")
    repo.git.branch("-D", "doomed")  # "branch gone": it existed, then was deleted
    served = tmp / "served"
    bare_copy(repo_dir, served, "models.git")
    definitions = tmp / "automations"
    definitions.mkdir()
    env = airflow_env(
        tmp,
        definitions,
        AUTOMATIONS_CLONE_RETRY_DELAY="1",
        AIRFLOW_VAR_FAULTS_GIT_TOKEN=TOKEN,
        AIRFLOW_VAR_FAULTS_WRONG_TOKEN="ghp_notTheToken000000000000",
    )
    migrate(env)
    with private_git_server(served, TOKEN) as (git_url, _), private_git_server(served, TOKEN, 300) as (cut_url, _):
        driver = Driver(env, tmp / "driver.log")
        world = World(tmp, env, repo_dir, definitions, Path(env["AUTOMATIONS_STATE_DIR"]), git_url, cut_url, driver)
        try:
            yield world
        finally:
            world.driver.close()
            subprocess.run(
                [sys.executable, "-m", "automations", "undeploy", NAME], env=env, capture_output=True, timeout=120
            )


def definition(
    world: World,
    git_uri: str | None = None,
    build: dict | None = None,
    build_env: tuple[str, ...] = (),
    **deployment: Any,
) -> str:
    build_spec = {
        "git_uri": git_uri or f"file://{world.repo}#faulty",
        "git_branch": "main",
        "env_vars": ["FAULT_VERSION=new", *build_env],
        **(build or {}),
    }
    condition = deployment.pop("condition", {"metric_name": "f1_score", "direction": "ABOVE", "threshold": "0.9"})
    return json.dumps(  # JSON is YAML
        {
            "name": NAME,
            "model_id": "faults-model",
            "action": {
                "build_spec": build_spec,
                "deployment_condition": condition,
                "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 60, **deployment},
            },
        }
    )


@dataclass
class Run:
    run_id: str
    states: dict[str, str]
    tries: dict[str, int]
    log: str
    outcome: dict


def run_dag(world: World, label: str, text: str, env: dict[str, str] | None = None, during=None) -> Run:
    """One whole run of the automation defined by ``text``; ``during()`` runs beside it in a thread."""
    (world.definitions / f"{NAME}.yaml").write_text(text)
    watcher = threading.Thread(target=during, daemon=True) if during else None
    if watcher:
        watcher.start()
    outcome = world.driver.run(NAME, label, env)
    if watcher:
        watcher.join(timeout=60)
    db = sqlite3.connect(Path(world.env["AIRFLOW_HOME"]) / "airflow.db")
    try:
        (run_id,) = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (NAME,)
        ).fetchone()
        rows = db.execute("SELECT task_id, state, try_number FROM task_instance WHERE run_id = ?", (run_id,))
        states, tries = {}, {}
        for task, state, try_number in rows:
            states[task], tries[task] = state, try_number
    finally:
        db.close()
    print(f"{label}: {states} {outcome}")
    return Run(run_id, states, tries, world.driver.output(label), outcome)


def predict(url: str) -> tuple[list, str]:
    request = urllib.request.Request(f"{url}/predict", data=json.dumps(RECORDS).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read()), response.headers.get("X-Automation-Build", "")


def analytics(world: World, run_id: str) -> dict[str, list[tuple]]:
    db = sqlite3.connect(world.analytics)
    try:
        return {
            table: db.execute(f"SELECT {columns} FROM {table} WHERE dag_run_id = ?", (run_id,)).fetchall()
            for table, columns in (
                ("builds", "status, build_id"),
                ("gate_verdicts", "passed, note"),
                ("deployments", "status, build_id"),
            )
        }
    finally:
        db.close()


@pytest.fixture(scope="module")
def baseline(world: World) -> World:
    """The old model, deployed once by a passing run; every fault below runs against it."""
    text = definition(world, build={"env_vars": ["FAULT_VERSION=old"]})
    run = run_dag(world, "baseline", text)
    assert run.states["deploy"] == "success", run.log[-4000:]
    world.deployed = world.record()
    assert predict(world.deployed["endpoint"]) == (OLD_PREDICTION, world.deployed["build_id"])
    return world


# What each kind of failure leaves in the metadata DB: the task that failed, and the ones after it.
CLONE_FAILED = {"clone": "failed", "build": "upstream_failed", "deploy": "upstream_failed"}
BUILD_FAILED = {"clone": "success", "build": "failed", "metric_gate": "upstream_failed", "deploy": "upstream_failed"}
GATE_FAILED = {"build": "success", "metric_gate": "failed", "deploy": "upstream_failed"}
DEPLOY_FAILED = {"build": "success", "metric_gate": "success", "deploy": "failed"}


def failed_build(rows: dict) -> bool:
    return [status for status, _ in rows["builds"]] == ["failed"] and not rows["deployments"]


def failed_verdict(note: str) -> Callable[[dict], bool]:
    def check(rows: dict) -> bool:
        return [s for s, _ in rows["builds"]] == ["succeeded"] and any(
            not passed and note in (text or "") for passed, text in rows["gate_verdicts"]
        )

    return check


def deployment(status: str) -> Callable[[dict], bool]:
    return lambda rows: [s for s, _ in rows["deployments"]] == [status]


@contextmanager
def no_env(world: World) -> Iterator[dict[str, str]]:
    yield {}


@contextmanager
def analytics_down(world: World) -> Iterator[dict[str, str]]:
    """The analytics connection points at a PostgreSQL that is not running (a closed port)."""
    yield {
        "AIRFLOW_CONN_MODEL_ANALYTICS": f"postgresql://analytics:secret@127.0.0.1:{free_port()}/analytics",
        "AUTOMATIONS_ANALYTICS_WRITE_RETRY": "1",
    }


@contextmanager
def small_disk(world: World) -> Iterator[dict[str, str]]:
    """The artifact store on a 1 MiB tmpfs, so storing the padded artifact fills it."""
    mount = world.tmp / "small-disk"
    mount.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield {"AUTOMATIONS_ARTIFACT_ROOT": mount.as_uri()}
        assert (mount / NAME / "sources").is_dir(), "the clone's source tarball fits; the artifact must not"
        assert list((mount / NAME).glob("builds/*")) == [], "no half-written artifact is left in the store"
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@dataclass(frozen=True)
class Fault:
    id: str
    definition: Callable[[World], str]
    states: dict[str, str]
    message: str  # in the run's log
    recorded: Callable[[dict], bool]  # over analytics(world, run_id)
    env: Callable[[World], Any] = no_env
    during: Callable[[World], Callable[[], None]] | None = None
    clone_tries: int | None = None  # a network failure is retried (2 retries); a bad URL, token or branch is not


def crash_new_server_before_the_switch(world: World) -> Callable[[], None]:
    """Kill the new server after it became healthy and was recorded, before the deploy could finish the switch.

    The switch waits for the gateway to route the new server, so holding the gateway (SIGSTOP) from the moment
    the new server starts until it has been killed puts the crash inside that window every time, not by timing.
    """
    directory = world.state / "deployments"
    marker = directory / f".{NAME}--default.pending.json"
    old_pid = world.deployed["pid"]

    def crash() -> None:
        deadline = time.monotonic() + 120
        while not marker.is_file():
            assert time.monotonic() < deadline, "the deploy never started a server"
            time.sleep(0.01)
        state = json.loads((directory / "gateway.json").read_text())
        gateway = state.get("serving_pid") or state["pid"]  # the process that routes, not its keeper
        os.kill(gateway, signal.SIGSTOP)
        try:
            while (pid := world.record()["pid"]) == old_pid:
                assert time.monotonic() < deadline, "the new server was never recorded"
                time.sleep(0.01)
            os.killpg(pid, signal.SIGKILL)
        finally:
            os.kill(gateway, signal.SIGCONT)

    return crash


FAULTS = [
    Fault(
        "clone: bad URL",
        lambda w: definition(w, git_uri=f"file://{w.tmp}/no-such-repo#faulty"),
        CLONE_FAILED,
        "git could not clone",
        failed_build,
        clone_tries=1,
    ),
    Fault(
        "clone: bad token",
        lambda w: definition(
            w, git_uri=f"{w.git_url}/models.git#faulty", build={"git_access_token_secret": "faults_wrong_token"}
        ),
        CLONE_FAILED,
        "authentication failed",
        failed_build,
        clone_tries=1,
    ),
    Fault(
        "clone: branch gone",
        lambda w: definition(w, build={"git_branch": "doomed"}),
        CLONE_FAILED,
        "doomed",
        failed_build,
        clone_tries=1,
    ),
    Fault(
        "clone: network cut mid-clone",
        lambda w: definition(
            w, git_uri=f"{w.cut_url}/models.git#faulty", build={"git_access_token_secret": "faults_git_token"}
        ),
        CLONE_FAILED,
        "git could not clone",
        failed_build,
        clone_tries=3,
    ),
    Fault(
        "dependency install fails",
        lambda w: definition(w, build={"dependency_file_path": "bad-requirements.txt"}),
        BUILD_FAILED,
        "installing the model's dependencies failed",
        failed_build,
    ),
    Fault(
        "a model test fails",
        lambda w: definition(w, build_env=("FAULT_TEST=fail",)),
        BUILD_FAILED,
        "a test that fails on purpose",
        failed_build,
    ),
    Fault(
        "build() raises",
        lambda w: definition(w, build_env=("FAULT_BUILD=raise",)),
        BUILD_FAILED,
        "build() raised on purpose",
        failed_build,
    ),
    Fault(
        "build killed for memory",
        lambda w: definition(w, build_env=("FAULT_BUILD=oom",), build={"resources": {"memory": "256Mi"}}),
        BUILD_FAILED,
        "out of memory",
        failed_build,
    ),
    Fault(
        "metric missing",
        lambda w: definition(w, build_env=("FAULT_BUILD=no_metric",)),
        GATE_FAILED,
        "the build logged no metric 'f1_score'",
        failed_verdict("logged no metric"),
    ),
    Fault(
        "SQL threshold returns 0 rows",
        lambda w: definition(
            w, condition={"metric_name": "f1_score", "direction": "ABOVE", "threshold": "SELECT 0.5 WHERE 1 = 0"}
        ),
        GATE_FAILED,
        "it returned 0 rows",
        failed_verdict("it returned 0 rows"),
    ),
    Fault(
        "SQL threshold returns 2 rows",
        lambda w: definition(
            w,
            condition={"metric_name": "f1_score", "direction": "ABOVE", "threshold": "SELECT 0.5 UNION ALL SELECT 0.6"},
        ),
        GATE_FAILED,
        "it returned 2 rows",
        failed_verdict("it returned 2 rows"),
    ),
    Fault(
        "analytics DB down",
        lambda w: definition(w),
        GATE_FAILED,
        "failed after",
        lambda rows: rows == {"builds": [], "gate_verdicts": [], "deployments": []},
        env=analytics_down,
    ),
    Fault(
        "new server never healthy",
        lambda w: definition(w, deployment_timeout=3, env_vars=["FAULT_SERVE=hang"]),
        DEPLOY_FAILED,
        "was not healthy within 3s",
        deployment("failed"),
    ),
    Fault(
        "new server crashes after becoming healthy, before the switch",
        lambda w: definition(w, env_vars=["FAULT_SERVE_DELAY=2"]),
        DEPLOY_FAILED,
        "rolled back: build",
        deployment("rolled_back"),
        during=crash_new_server_before_the_switch,
    ),
    Fault(
        "disk full while storing the artifact",
        lambda w: definition(w, build_env=("FAULT_PAD_MB=4",)),
        BUILD_FAILED,
        "No space left on device",
        failed_build,
        env=small_disk,
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.id for f in FAULTS])
def test_a_fault_leaves_the_old_model_serving_and_is_recorded(baseline: World, fault: Fault):
    world = baseline
    with fault.env(world) as env:
        during = fault.during(world) if fault.during else None
        run = run_dag(world, fault.id.replace(" ", "_"), fault.definition(world), env, during)
    # 1. the run fails, and its log says why
    assert {task: run.states.get(task) for task in fault.states} == fault.states, run.log[-6000:]
    assert fault.message in run.log, run.log[-6000:]
    if fault.clone_tries is not None:
        assert run.tries["clone"] == fault.clone_tries
    # 2. the stable URL still answers with the old build, which is still the one recorded
    assert predict(world.deployed["endpoint"]) == (OLD_PREDICTION, world.deployed["build_id"])
    assert world.record()["build_id"] == world.deployed["build_id"]
    # 3. the analytics store holds what happened
    rows = analytics(world, run.run_id)
    assert fault.recorded(rows), rows
    if fault.env is analytics_down:
        assert "ANALYTICS WRITE FAILED" in run.log


def describe(pid: int) -> str:
    return f"pid {pid} is still running: {cmdline(pid)!r}"


def test_a_deploy_killed_mid_way_leaves_the_old_model_and_the_next_run_cleans_up(baseline: World):
    """SIGKILL of the process running the deploy task (here the dag.test() process, which runs tasks in-process),
    while the new server is starting; then the next run of the automation."""
    world = baseline
    marker = world.state / "deployments" / f".{NAME}--default.pending.json"

    def kill_once_the_new_server_started() -> None:
        deadline = time.monotonic() + 300
        while not marker.is_file():
            assert time.monotonic() < deadline, "the deploy never started a server"
            time.sleep(0.05)
        time.sleep(0.5)
        world.driver.kill()

    slow = definition(world, env_vars=["FAULT_SERVE_DELAY=30"])
    killed = run_dag(world, "sigkill", slow, during=kill_once_the_new_server_started)
    assert killed.outcome == {"killed": -signal.SIGKILL}
    # 1. Nothing is left to fail the task in `dag.test()`: it stays "running" (a scheduler would fail it as a
    #    task without heartbeat). What is checked is what the kill left behind.
    assert killed.states["deploy"] == "running"
    orphan = json.loads(marker.read_text())["new"]["pid"]
    assert Path(f"/proc/{orphan}").exists(), "the new server outlives the killed task (it is detached)"
    # 2. the old build still serves
    assert predict(world.deployed["endpoint"]) == (OLD_PREDICTION, world.deployed["build_id"])
    # 3. the build and the verdict are recorded; the deploy, killed before it could write, is not
    rows = analytics(world, killed.run_id)
    assert ([s for s, _ in rows["builds"]], rows["deployments"]) == (["succeeded"], [])

    world.driver = Driver(world.env, world.tmp / "driver.log")
    text = definition(world, build={"env_vars": ["FAULT_VERSION=old"]})
    recovered = run_dag(world, "after-sigkill", text)
    assert recovered.states["deploy"] == "success", recovered.log[-6000:]
    assert "a previous deploy was interrupted" in recovered.log and f"[{orphan}]" in recovered.log
    # is_alive: a stopped server whose parent (the process that deployed it) has not reaped it is a zombie, and
    # /proc still lists it; it has stopped all the same.
    assert not is_alive(orphan), describe(orphan)
    assert not marker.exists()
    assert not is_alive(world.deployed["pid"]), f"the replaced server is stopped too: {describe(world.deployed['pid'])}"
    now = world.record()
    assert now["endpoint"] == world.deployed["endpoint"]
    assert predict(now["endpoint"]) == (OLD_PREDICTION, now["build_id"])
    assert [s for s, _ in analytics(world, recovered.run_id)["deployments"]] == ["deployed"]
