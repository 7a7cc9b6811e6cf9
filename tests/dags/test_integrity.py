"""DAG integrity and policy: the DagBag is parsed once for the whole module, over the valid fixture definitions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.support.definitions import VALID_NAMES

pytestmark = pytest.mark.dags

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "definitions"
EXPECTED = VALID_NAMES


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    with pytest.MonkeyPatch.context() as env:  # module-scoped, so not the function-scoped monkeypatch fixture
        env.setenv("AUTOMATIONS_DIR", str(FIXTURES / "valid"))
        yield DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_one_dag_per_definition(dagbag):
    assert set(dagbag.dag_ids) == EXPECTED


def test_task_wiring(dagbag):
    dag = dagbag.dags["churn_nightly"]
    assert {t.task_id for t in dag.tasks} == {"clone", "build", "metric_gate", "deploy", "skip_deploy"}
    assert dag.get_task("clone").downstream_task_ids == {"build"}
    assert dag.get_task("build").downstream_task_ids == {"metric_gate"}
    assert dag.get_task("metric_gate").downstream_task_ids == {"deploy", "skip_deploy"}
    assert type(dag.get_task("metric_gate")).__name__ == "BranchPythonOperator"


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_policy(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert "automation" in dag.tags
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.start_date.year == 2024 and str(dag.start_date.tzinfo) == "UTC"
    assert set(dag.params) == {"git_branch", "force_deploy"}
    assert dag.doc_md and "Definition:" in dag.doc_md
    assert all(t.owner == "automations" for t in dag.tasks)


def test_disabled_definition_is_paused_upon_creation(dagbag):
    assert dagbag.dags["hourly_gpu"].is_paused_upon_creation is True
    assert dagbag.dags["churn_nightly"].is_paused_upon_creation is False


def test_manual_params_render_as_trigger_form_fields(dagbag):
    params = dagbag.dags["churn_nightly"].params
    assert params.get_param("git_branch").schema["type"] == "string"
    assert params.get_param("force_deploy").schema["type"] == "boolean"
    assert params["git_branch"] == "main" and params["force_deploy"] is False


def _serialized_timetables(extra_env: dict[str, str]) -> dict:
    code = (
        "import json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "from airflow.serialization.serialized_objects import DagSerialization\n"
        f"bag = DagBag(dag_folder={str(ROOT / 'dags')!r})\n"
        "print(json.dumps({d: DagSerialization.to_dict(bag.dags[d])['dag']['timetable'] for d in bag.dag_ids}))\n"
    )
    env = {**os.environ, "AUTOMATIONS_DIR": str(FIXTURES / "valid"), **extra_env}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cron_stays_utc_whatever_the_default_timezone():
    timetables = _serialized_timetables({"AIRFLOW__CORE__DEFAULT_TIMEZONE": "America/New_York"})
    cron = timetables["churn_nightly"]
    assert cron["__type"] == "automations.timetable.AutomationTimetable"
    assert cron["__var"] == {"cron": "0 2 * * *", "interval": "", "execute_immediately": False}
    assert timetables["hourly_gpu"]["__type"] == "automations.timetable.AutomationTimetable"


def test_invalid_definitions_show_as_one_import_error_and_valid_ones_still_load(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AUTOMATIONS_DIR", str(FIXTURES / "mixed"))
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert set(bag.dag_ids) == {"good_one"}
    [(file, message)] = bag.import_errors.items()
    assert file.endswith("automation_errors.py")
    assert "bad_threshold.yaml: action.deployment_condition.0.threshold: threshold must be a string" in message
    assert "bad_syntax.yaml: <definition>: YAML syntax error" in message
    assert "raises.py: <definition>: RuntimeError: this definition file is broken" in message


def test_parsing_context_builds_only_the_requested_dag():
    code = "from automations.dagfile import build_dags\nprint(sorted(build_dags()))\n"
    env = {
        **os.environ,
        "AUTOMATIONS_DIR": str(FIXTURES / "valid"),
        "_AIRFLOW_PARSING_CONTEXT_DAG_ID": "python_listed",
        "_AIRFLOW_PARSING_CONTEXT_TASK_ID": "clone",
        "PYTHONPATH": str(ROOT / "plugins"),
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "['python_listed']"
