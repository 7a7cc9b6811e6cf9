"""End to end on the local backend with the analytics store on real PostgreSQL: builds in a row, each later one
gated against the metric of the build deployed before it (DeployedBuildMetric), all through `dag.test()` (as
`airflow dags test` runs it) in the session's one Airflow process (the ``dag_driver`` fixture, support.dag_runs).

Run 1 (f1=0.80): nothing deployed yet, the first deploy passes -> deployed.
Run 2 (f1=0.70): loses against the champion's 0.80 -> skip_deploy; the champion keeps serving.
Run 3 (f1=0.90): wins against 0.80 -> deployed; it is the new champion.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from support.airflow_env import airflow_env
from support.dag_runs import drive, run_log
from support.gitrepo import commit_files, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
NAME = "champion_e2e"

MODEL = '''
from pathlib import Path


class ScoreModel:
    """Its f1 is whatever main/f1.txt says in the commit that was built."""

    def build(self):
        return {"f1": float((Path(__file__).parent / "f1.txt").read_text())}

    def predict(self, df):
        return [len(df.columns)] * len(df)
'''
TEST = '''
from main.model import ScoreModel


def test_build_logs_f1():
    assert 0 <= ScoreModel().build()["f1"] <= 1
'''


def _definition(repo: Path) -> str:
    return json.dumps({
        "name": NAME,
        "model_id": "champion_model",
        "action": {
            "build_spec": {"git_uri": f"file://{repo}#score", "git_branch": "main"},
            "deployment_condition": {"metric_name": "f1", "direction": "ABOVE", "variation": "default"},
            "deployment_spec": {"number_of_http_server_workers": 1, "deployment_timeout": 120},
        },
    })


@pytest.fixture()
def e2e_env(pg_server, tmp_path, dag_driver):
    database = pg_server.create_database()
    repo_dir = tmp_path / "models"
    repo = make_repo(repo_dir, {"score/main/__init__.py": "", "score/main/model.py": MODEL,
                                "score/main/f1.txt": "0.80", "score/tests/test_model.py": TEST})
    definitions = tmp_path / "automations"
    definitions.mkdir()
    (definitions / f"{NAME}.yaml").write_text(_definition(repo_dir))  # JSON is YAML
    env = airflow_env(
        tmp_path, definitions, AIRFLOW_HOME=dag_driver.home, AIRFLOW_CONN_MODEL_ANALYTICS=pg_server.uri(database)
    )
    yield env, repo, database, dag_driver.driver
    subprocess.run([sys.executable, "-m", "automations", "undeploy", NAME], env=env, capture_output=True, timeout=60)
    pg_server.drop_database(database)


def _run_dag(env: dict, running, tmp_path: Path, attempt: int) -> dict[str, str]:
    """One whole run, then the task states of that run from the metadata DB (its outcome is not enough)."""
    drive({"driver": running, "tmp": tmp_path, "env": env}, NAME, str(attempt))
    log = run_log({"tmp": tmp_path}, str(attempt))
    db = sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db")
    (run_id,) = db.execute("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (NAME,)).fetchone()
    query = "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ?"
    states = dict(db.execute(query, (NAME, run_id)))
    assert states.get("build") == "success", f"build did not succeed: {states}\n{log.read_text()[-4000:]}"
    return states


def _analytics(env: dict, sql: str) -> list[tuple]:
    code = (
        "import json, sys\nfrom automations.analytics import open_store\n"
        "from automations.settings import get_settings\n"
        "print(json.dumps(open_store(get_settings()).fetch(sys.argv[1]), default=str))"
    )
    done = subprocess.run([sys.executable, "-c", code, sql], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]


def _predict(endpoint: str) -> list:
    request = urllib.request.Request(f"{endpoint}/predict", data=json.dumps([{"a": 1, "b": 2}]).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_later_builds_are_gated_against_the_deployed_build(e2e_env, tmp_path):
    env, repo, _, running = e2e_env
    first = _run_dag(env, running, tmp_path, 1)
    assert (first["metric_gate"], first["deploy"], first["skip_deploy"]) == ("success", "success", "skipped")

    commit_files(repo, {"score/main/f1.txt": "0.70"}, "worse model")
    second = _run_dag(env, running, tmp_path, 2)
    assert (second["deploy"], second["skip_deploy"]) == ("skipped", "success")

    commit_files(repo, {"score/main/f1.txt": "0.90"}, "better model")
    third = _run_dag(env, running, tmp_path, 3)
    assert (third["deploy"], third["skip_deploy"]) == ("success", "skipped")

    verdicts = _analytics(env, "SELECT actual, threshold, passed, note FROM gate_verdicts ORDER BY id")
    assert [v[:3] for v in verdicts] == [(0.8, None, True), (0.7, 0.8, False), (0.9, 0.8, True)]
    assert "first deploy passes" in verdicts[0][3]
    builds = _analytics(env, "SELECT b.status, m.value FROM builds b JOIN build_metrics m USING (build_id) "
                             "ORDER BY b.id")
    assert builds == [("succeeded", 0.8), ("succeeded", 0.7), ("succeeded", 0.9)]
    deployed = _analytics(env, "SELECT d.status, m.value, d.target FROM deployments d JOIN build_metrics m "
                               "ON m.build_id = d.build_id AND m.metric_name = 'f1' ORDER BY d.id")
    assert [d[:2] for d in deployed] == [("deployed", 0.8), ("deployed", 0.9)]
    assert _predict(deployed[-1][2]) == [2]
