"""What users see in a running Airflow: their DAG, its import errors, the on/off toggle and the trigger form."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration]


def _dag(airflow, dag_id: str) -> dict | None:
    status, body = airflow.request("GET", f"/api/v2/dags/{dag_id}")
    return body if status == 200 else None


def test_valid_definition_is_a_dag_with_its_docs_and_tags(airflow):
    dag = airflow.wait_for(lambda: _dag(airflow, "api_valid"), "DAG api_valid")
    assert {t["name"] for t in dag["tags"]} == {"automation", "api_model"}
    status, details = airflow.request("GET", "/api/v2/dags/api_valid/details")
    assert status == 200
    assert "api_valid.yaml" in details["doc_md"] and "on cron `0 4 * * *` (UTC)" in details["doc_md"]
    assert details["timetable_summary"] == "0 4 * * *"
    assert "ghp_this-must-never-show" not in str(details)


def test_invalid_definition_is_an_import_error_with_file_path_and_reason(airflow):
    def errors():
        _, body = airflow.request("GET", "/api/v2/importErrors")
        return [e for e in body.get("import_errors", []) if "api_invalid.yaml" in e["stack_trace"]]

    [error] = airflow.wait_for(errors, "the import error of automation_errors.py")
    assert error["filename"].endswith("automation_errors.py")
    expected = "api_invalid.yaml: action.deployment_condition.0.threshold: threshold must be a string"
    assert expected in error["stack_trace"]
    assert _dag(airflow, "api_invalid") is None


def test_toggle_switches_the_automation_on_and_off(airflow):
    airflow.wait_for(lambda: _dag(airflow, "api_valid"), "DAG api_valid")
    for paused in (False, True):
        status, body = airflow.request("PATCH", "/api/v2/dags/api_valid", {"is_paused": paused})
        assert status == 200 and body["is_paused"] is paused


@pytest.mark.parametrize("conf", [{"git_branch": "--upload-pack=evil"}, {"force_deploy": "yes"}, {"git_branch": ""}])
def test_trigger_form_rejects_bad_params(airflow, conf):
    airflow.wait_for(lambda: _dag(airflow, "api_valid"), "DAG api_valid")
    status, body = airflow.request("POST", "/api/v2/dags/api_valid/dagRuns", {"logical_date": None, "conf": conf})
    assert status == 400, body


def test_manual_run_with_params_is_created(airflow):
    airflow.wait_for(lambda: _dag(airflow, "api_valid"), "DAG api_valid")
    conf = {"git_branch": "feature/x", "force_deploy": True}
    status, body = airflow.request("POST", "/api/v2/dags/api_valid/dagRuns", {"logical_date": None, "conf": conf})
    assert status == 200, body
    assert body["conf"] == conf and body["run_type"] == "manual"
