"""Whole DAGs on the local backend (`dag.test()`, as `airflow dags test` does it), from a real git repository made
here (file://).

Verdicts come from the metadata DB (task_instance states), never from exit codes. The session's Airflow home and
process running the DAGs (the ``dag_driver`` fixture, support.dag_runs) and one state dir for the module; the
"earlier deployment" of the later cases is the one the passing case made.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.airflow_env import airflow_env
from support.dag_runs import current_deployment, definition, drive, predict, run_dag, run_log, write_definition
from support.gitrepo import copy_tree_into_repo, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "include" / "models" / "example_classifier"
FIXTURES = ROOT / "tests" / "fixtures" / "models"
NAME = "e2e_classifier"
FAILING = "e2e_failing_tests"


@pytest.fixture(scope="module")
def e2e(tmp_path_factory, dag_driver):
    """Airflow home (SQLite, migrated once), definitions dir, git repo holding the example and fixture models."""
    tmp = tmp_path_factory.mktemp("local-e2e")
    repo_dir = tmp / "models"
    repo = make_repo(repo_dir, {"README.md": "models for the e2e tests\n"})
    copy_tree_into_repo(repo, EXAMPLE, "example_classifier", "example")
    copy_tree_into_repo(repo, FIXTURES / "failing_test", "failing_test", "failing test")
    copy_tree_into_repo(repo, FIXTURES / "never_healthy", "never_healthy", "never healthy")
    definitions = tmp / "automations"
    definitions.mkdir()
    env = airflow_env(
        tmp, definitions, AIRFLOW_HOME=dag_driver.home, AIRFLOW_CONN_MODEL_ANALYTICS=f"sqlite:///{tmp}/analytics.db"
    )
    yield {"env": env, "repo": repo_dir, "definitions": definitions, "tmp": tmp, "driver": dag_driver.driver}
    for name in (NAME, FAILING):
        subprocess.run(
            [sys.executable, "-m", "automations", "undeploy", name], env=env, capture_output=True, timeout=120
        )
    shutil.rmtree(tmp / "state" / "envs", ignore_errors=True)  # venvs are the bulk of the disk use


@pytest.fixture(scope="module")
def deployed(e2e):
    """The passing run: its task states, its deployment record, and real rows to send to it."""
    write_definition(e2e, NAME, definition(NAME, e2e["repo"], "example_classifier"))
    states = run_dag(e2e, NAME, "pass")
    record = current_deployment(e2e, NAME)
    rows = None
    if record:
        python = Path(e2e["env"]["AUTOMATIONS_STATE_DIR"]) / "envs" / record["build_id"] / "venv" / "bin" / "python"
        code = (
            "import json; from sklearn.datasets import load_breast_cancer as l; d = l(as_frame=True);"
            "print(json.dumps([json.loads(d.data.iloc[[0, 19]].to_json(orient='records')),"
            " d.target.iloc[[0, 19]].tolist()]))"
        )
        rows = json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True).stdout)
    return states, record, rows


def test_a_passing_gate_deploys_and_predict_answers(deployed):
    states, record, rows = deployed
    assert states == {
        "clone": "success",
        "build": "success",
        "metric_gate": "success",
        "deploy": "success",
        "skip_deploy": "skipped",
    }
    assert record is not None
    assert [p["prediction"] for p in predict(record["endpoint"], rows[0])] == rows[1]


def test_a_failing_gate_skips_deploy_and_the_earlier_deployment_still_answers(e2e, deployed):
    _, before, rows = deployed
    write_definition(e2e, NAME, definition(NAME, e2e["repo"], "example_classifier", threshold="0.9999"))
    states = run_dag(e2e, NAME, "gate-fails")
    assert (states["build"], states["metric_gate"], states["deploy"], states["skip_deploy"]) == (
        "success",
        "success",
        "skipped",
        "success",
    )
    assert current_deployment(e2e, NAME)["pid"] == before["pid"]
    assert [p["prediction"] for p in predict(before["endpoint"], rows[0])] == rows[1]


def test_a_failing_model_test_fails_the_build_and_nothing_deploys(e2e):
    write_definition(e2e, FAILING, definition(FAILING, e2e["repo"], "failing_test"))
    states = run_dag(e2e, FAILING, "tests-fail")
    assert states["clone"] == "success" and states["build"] == "failed"
    assert states["deploy"] in ("upstream_failed", "skipped", None) and states["deploy"] != "success"
    assert current_deployment(e2e, FAILING) is None
    log = (e2e["tmp"] / "dags-test-tests-fail.log").read_text()
    assert "a test that must fail" in log, "the failing test's output belongs in the task log"


def test_a_never_healthy_model_keeps_the_old_one_serving(e2e, deployed):
    _, before, rows = deployed
    write_definition(e2e, NAME, definition(NAME, e2e["repo"], "never_healthy", deployment_timeout=8))
    states = run_dag(e2e, NAME, "never-healthy")
    assert (states["build"], states["metric_gate"], states["deploy"]) == ("success", "success", "failed")
    assert current_deployment(e2e, NAME)["pid"] == before["pid"]
    assert [p["prediction"] for p in predict(before["endpoint"], rows[0])] == rows[1]


BATCH = "e2e_batch_scores"


def test_a_batch_automation_runs_the_deployed_model_over_a_dated_folder(e2e, deployed):
    """The BatchExecution DAG on a given logical date: its templates pick that day's folder, its rows go to the
    model the passing case deployed (found through the analytics store), one parquet output per csv input."""
    import sqlite3

    import pandas as pd

    _, record, rows = deployed
    records, labels = rows
    source, destination = e2e["tmp"] / "batch" / "in" / "02-12-2026", e2e["tmp"] / "batch" / "out"
    source.mkdir(parents=True)
    pd.DataFrame.from_records(records * 3).to_csv(source / "a.csv", index=False)  # 6 rows: 3 calls of 2
    pd.DataFrame.from_records(records[:1]).to_csv(source / "b.csv", index=False)
    spec = {
        "name": BATCH,
        "model_id": NAME.replace("_", "-"),
        "action": {
            "data_specifications": {
                "source_folder": f"{(e2e['tmp'] / 'batch' / 'in').as_uri()}/{{%d-%m-%Y}}",
                "destination_folder": f"{destination.as_uri()}/{{%Y}}/{{%m}}/{{%d}}",
                "output_file_type": "parquet",
            },
            "execution_specifications": {"batch_size": 2},
        },
    }
    write_definition(e2e, BATCH, json.dumps(spec))
    outcome = drive(e2e, BATCH, "batch", logical_date="2026-12-02T03:00:00+00:00")
    log = run_log(e2e, "batch")
    db = sqlite3.connect(Path(e2e["env"]["AIRFLOW_HOME"]) / "airflow.db")
    try:
        states = dict(db.execute("SELECT task_id, state FROM task_instance WHERE dag_id = ?", (BATCH,)))
    finally:
        db.close()
    assert states == {"batch_predict": "success"}, (outcome, log.read_text()[-4000:])
    day = destination / "2026" / "12" / "02"
    assert sorted(p.name for p in day.iterdir()) == ["a.parquet", "b.parquet"]
    assert pd.read_parquet(day / "a.parquet")["prediction"].tolist() == labels * 3
    assert pd.read_parquet(day / "b.parquet")["prediction"].tolist() == labels[:1]
    text = log.read_text()
    assert "file 1/2 a.csv: 6/6 rows" in text and record["build_id"] in text
