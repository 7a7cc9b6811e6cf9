"""Three Qwak-style model repos (tests/fixtures/models/) driven through whole DAGs on the local backend:
clone from a real git repository, build, gate, deploy, then predictions checked against the rule each model's
data was generated from (computed here, not by the model).

- qwak_conda_churn: main/conda.yml with python=3.9, a conda "starts with" pin, a malformed pin and a pip: list;
  its data shipped in main/data/; qwak imported but not listed; log_param, log_data, schema(); tests/it/.
- poetry_xgboost: a Poetry pyproject (^ / ~) with an XGBoost classifier (xgboost-cpu: a 6 MB wheel).
- frogml_helper: a FrogMlModel importing its helper as ``from main.features import ...``.

One DAG run and one deployment per repo (module-scoped). The builds use uv's own cache (~/.cache/uv, the one
every other build and `make demo` fill), so a fresh clone installs from disk too.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from support.airflow_env import airflow_env
from support.dag_runs import current_deployment, definition, predict, run_dag, run_log, write_definition, xcom
from support.gitrepo import copy_tree_into_repo, make_repo

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "models"
REPOS = ("qwak_conda_churn", "poetry_xgboost", "frogml_helper")
SUCCESS = {"clone": "success", "build": "success", "metric_gate": "success", "deploy": "success"}


def churn(tenure: int, monthly_charges: float) -> int:  # how main/data/churn.csv was generated
    return int(tenure < 12 and monthly_charges > 70)


def fraud(amount: float, usual_amount: float) -> int:  # poetry_xgboost's transactions()
    return int(amount > usual_amount + 200)


def overloaded(requests: float, capacity: float) -> int:  # frogml_helper's training labels
    return int(requests > capacity)


# repo -> (rows far from the decision boundary, the expected answer of each as the model's output column)
CASES = {
    "qwak_conda_churn": ("churn", churn, [(3, 110.0), (65, 30.0), (2, 95.0), (50, 115.0), (5, 25.0)]),
    "poetry_xgboost": ("fraud", fraud, [(900.0, 100.0), (100.0, 900.0), (800.0, 50.0), (300.0, 650.0)]),
    "frogml_helper": ("overloaded", overloaded, [(190.0, 60.0), (10.0, 140.0), (150.0, 55.0), (20.0, 120.0)]),
}
COLUMNS = {
    "qwak_conda_churn": ("tenure", "monthly_charges"),
    "poetry_xgboost": ("amount", "usual_amount"),
    "frogml_helper": ("requests", "capacity"),
}


@pytest.fixture(scope="module")
def e2e(tmp_path_factory, dag_driver):
    tmp = tmp_path_factory.mktemp("qwak-repos")
    repo = make_repo(tmp / "models", {"README.md": "Qwak-style model repos\n"})
    for name in REPOS:
        copy_tree_into_repo(repo, FIXTURES / name, name, name)
    definitions = tmp / "automations"
    definitions.mkdir()
    env = airflow_env(tmp, definitions, AIRFLOW_HOME=dag_driver.home)
    yield {"env": env, "repo": tmp / "models", "definitions": definitions, "tmp": tmp, "driver": dag_driver.driver}
    for name in REPOS:
        subprocess.run([sys.executable, "-m", "automations", "undeploy", name], env=env, capture_output=True)
    shutil.rmtree(tmp / "state" / "envs", ignore_errors=True)


@pytest.fixture(scope="module", params=REPOS)
def run(request, e2e):
    name = request.param
    write_definition(
        e2e, name, definition(name, e2e["repo"], name, threshold="0.8", build_spec={"parameters": {"max_depth": 4}})
    )
    states = run_dag(e2e, name, name)
    log = run_log(e2e, name).read_text()
    return {
        "name": name,
        "states": states,
        "log": log,
        "build": xcom(e2e, name, "build"),
        "deploy": xcom(e2e, name, "deploy"),
        "record": current_deployment(e2e, name),
        "analytics": analytics_rows(e2e["tmp"] / "analytics.db", name),
    }


def analytics_rows(db: Path, name: str) -> dict:
    """The build record in the analytics store (AIRFLOW_CONN_MODEL_ANALYTICS of support.airflow_env)."""
    with sqlite3.connect(db) as conn:
        params = conn.execute("SELECT param_name, value FROM build_params WHERE automation = ?", (name,)).fetchall()
        [(warnings,)] = conn.execute("SELECT warnings FROM builds WHERE automation = ?", (name,)).fetchall()
        tested = conn.execute(
            "SELECT status, passed, failed, reason FROM integration_tests WHERE automation = ?", (name,)
        ).fetchall()
    return {"params": {k: json.loads(v) for k, v in params}, "warnings": json.loads(warnings or "[]"), "it": tested}


def test_the_repo_builds_passes_the_gate_and_deploys(run):
    assert {task: run["states"].get(task) for task in SUCCESS} == SUCCESS, run["log"][-4000:]
    assert run["build"]["metrics"]["f1_score"] > 0.8


def test_predictions_match_the_rule_the_data_came_from(run):
    column, rule, rows = CASES[run["name"]]
    names = COLUMNS[run["name"]]
    records = [dict(zip(names, row, strict=True)) for row in rows]
    answer = predict(run["record"]["endpoint"], records)
    assert [a[column] for a in answer] == [rule(*row) for row in rows]


def test_logged_params_land_beside_the_metrics(run):
    expected = {
        "qwak_conda_churn": {"max_depth": 4, "rows": 240},
        "poetry_xgboost": {"n_estimators": 30},
        "frogml_helper": {"C": 10.0},
    }[run["name"]]
    params = run["build"]["params"]
    assert {k: params[k] for k in expected} == expected
    assert params["max_depth"] in (4, "4")  # BuildSpecifications.parameters are params too
    assert run["analytics"]["params"] == params  # the build record: build_params beside build_metrics


def test_dependency_warnings_are_in_the_log_and_the_build_record(run):
    warnings = run["build"]["warnings"]
    library = "frogml==2.1.152" if run["name"] == "frogml_helper" else "qwak-core==0.7.160"
    assert any(w.startswith(f"added {library}") for w in warnings), warnings
    if run["name"] == "qwak_conda_churn":
        assert any("python" in w and "dropped" in w for w in warnings), warnings
        assert any("relaxed 'numpy=>1.20' to 'numpy'" in w for w in warnings), warnings
    for warning in warnings:
        assert f"model_runtime install: WARNING: {warning}" in run["log"]
    assert run["analytics"]["warnings"] == warnings  # builds.warnings


def test_the_schema_and_the_integration_tests_are_recorded(run):
    tested = run["deploy"]["integration_tests"]
    if run["name"] == "qwak_conda_churn":
        assert [f["name"] for f in run["build"]["api_schema"]["inputs"]] == ["tenure", "monthly_charges"]
        assert tested == {"status": "passed", "reason": "", "tests": {"passed": 1, "failed": 0, "skipped": 0}}
        assert run["analytics"]["it"] == [("passed", 1, 0, "")]
    else:
        assert run["build"]["api_schema"] is None
        assert tested["status"] == "skipped" and "no tests/it/" in tested["reason"]
        assert [row[0] for row in run["analytics"]["it"]] == ["skipped"]
