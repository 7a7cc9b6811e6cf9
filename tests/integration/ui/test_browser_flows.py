"""The users' flows in the Airflow UI, clicked in headless Chromium against `make airflow`, each confirmed through
the REST API v2. A screenshot of each step lands in .cache/screenshots/ui-flows/.

The tests run in file order and share one Airflow: the broken definition of the import-error flow is still in
place while the trigger-form run happens (the other automations stay runnable), and is fixed last.
"""

from __future__ import annotations

import re
import time

import pytest
from ui_flows import BRANCH, PRIVATE, SECRET

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PICKUP_LIMIT_S = 60
BROKEN = PRIVATE.replace("ui_private", "ui_broken").replace('threshold: "0.8"', "threshold: 0.8")
REASON = "ui_broken.yaml: action.deployment_condition.0.threshold: threshold must be a string"
RUN_TIMEOUT_S = 420  # a fresh virtualenv per build on two shared cores


def _dag(server, dag_id: str) -> dict | None:
    status, body = server.request("GET", f"/api/v2/dags/{dag_id}")
    return body if status == 200 else None


def _listed(page, dag_id: str):
    """The DAG's name in the DAG list (a tag of the same name is another link)."""
    return page.get_by_test_id("dag-id").filter(has_text=re.compile(f"^{re.escape(dag_id)}$"))


def _import_errors(server, needle: str) -> list[dict]:
    _, body = server.request("GET", "/api/v2/importErrors")
    return [e for e in body.get("import_errors", []) if needle in e["stack_trace"]]


def test_dag_is_listed_with_tags_and_docs_show_repo_trigger_gate_and_target_without_secret(ui, page):
    server = ui.server
    server.wait_for(lambda: _dag(server, "ui_private") and _dag(server, "example_classifier"), "both DAGs", 120)
    page.goto(f"{server.url}/dags")
    row = _listed(page, "ui_private")
    row.wait_for()
    ui.shot(page, "1-dag-list")
    for tag in ("automation", "ui_model", "demo", "sklearn"):
        assert page.get_by_role("link", name=tag, exact=True).count() >= 1, tag
    assert {t["name"] for t in _dag(server, "ui_private")["tags"]} == {"automation", "ui_model"}

    row.click()
    page.get_by_role("button", name="Dag Docs").click()
    docs = page.get_by_role("dialog")
    docs.get_by_text("Dag Documentation").wait_for()
    ui.shot(page, "1-dag-docs")
    text = docs.inner_text()
    assert "Source: https://git.example.com/acme/models.git, directory churn, branch main" in text
    assert "Runs: on cron 0 4 * * * (UTC)" in text
    assert "Gate: f1_score > 0.8" in text
    assert "Deploy: variation default on local" in text
    status, details = server.request("GET", "/api/v2/dags/ui_private/details")
    assert status == 200 and "f1_score" in details["doc_md"]
    assert SECRET not in page.content() and SECRET not in str(details)
    page.keyboard.press("Escape")


def test_toggle_clicked_pauses_and_unpauses(ui, page):
    server = ui.server
    assert _dag(server, "ui_private")["is_paused"] is True  # is_enabled: false
    page.goto(f"{server.url}/dags/ui_private")
    toggle = page.get_by_test_id("toggle-pause")
    for paused in (False, True):
        toggle.click()
        server.wait_for(lambda p=paused: _dag(server, "ui_private")["is_paused"] is p, f"is_paused={paused}", 30)
        page.wait_for_function(  # the switch shows what the API says
            "([el, on]) => el.dataset.state === (on ? 'checked' : 'unchecked')",
            arg=[toggle.element_handle(), not paused],
        )
        ui.shot(page, f"2-toggle-{'on' if not paused else 'off'}")


def test_a_new_definition_file_appears_in_the_dag_list_within_a_minute(ui, page):
    server = ui.server
    dropped = PRIVATE.replace("ui_private", "ui_dropped")
    started = time.monotonic()
    (ui.definitions / "ui_dropped.yaml").write_text(dropped)
    server.wait_for(lambda: _dag(server, "ui_dropped"), "the new DAG", PICKUP_LIMIT_S + 30, poll_s=0.5)
    seconds = time.monotonic() - started
    (ui.shots / "pickup-seconds.txt").write_text(f"{seconds:.1f}\n")
    print(f"new definition listed after {seconds:.1f}s")
    page.goto(f"{server.url}/dags")
    _listed(page, "ui_dropped").wait_for()
    ui.shot(page, "4-new-definition-listed")
    assert seconds <= PICKUP_LIMIT_S, f"the new definition took {seconds:.0f}s to show"


def test_a_broken_definition_shows_file_field_and_reason_and_the_others_stay_listed(ui, page):
    server = ui.server
    (ui.definitions / "ui_broken.yaml").write_text(BROKEN)
    [error] = server.wait_for(lambda: _import_errors(server, "ui_broken.yaml"), "the import error", 90)
    assert error["filename"].endswith("automation_errors.py") and REASON in error["stack_trace"]

    page.goto(server.url)
    page.get_by_text("Dag Import Error").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("automation_errors.py").first.click()
    dialog.get_by_text("ui_broken.yaml").first.wait_for()
    ui.shot(page, "5-import-error")
    assert REASON in dialog.inner_text()
    page.keyboard.press("Escape")

    page.goto(f"{server.url}/dags")
    for dag_id in ("example_classifier", "ui_private", "ui_dropped"):
        _listed(page, dag_id).wait_for()
        assert _dag(server, dag_id) is not None
    ui.shot(page, "5-others-still-listed")
    assert _dag(server, "ui_broken") is None


def _run_with_branch(server, branch: str) -> dict | None:
    _, body = server.request("GET", "/api/v2/dags/example_classifier/dagRuns")
    runs = [r for r in body.get("dag_runs", []) if (r.get("conf") or {}).get("git_branch") == branch]
    return runs[0] if runs else None


def _finished(server, run_id: str) -> dict | None:
    _, run = server.request("GET", f"/api/v2/dags/example_classifier/dagRuns/{run_id}")
    return run if run.get("state") in ("success", "failed") else None


def _task_states(server, run_id: str) -> dict[str, str]:
    _, body = server.request("GET", f"/api/v2/dags/example_classifier/dagRuns/{run_id}/taskInstances")
    return {t["task_id"]: t["state"] for t in body["task_instances"]}


def test_trigger_form_with_a_branch_runs_to_the_gates_decision_and_the_log_shows_the_branch(ui, page):
    server = ui.server
    assert _import_errors(server, "ui_broken.yaml"), "the broken definition should still be there"
    server.request("PATCH", "/api/v2/dags/example_classifier", {"is_paused": False})
    page.goto(f"{server.url}/dags/example_classifier")
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Run Parameters").wait_for()
    dialog.locator("#element_git_branch").fill(BRANCH)
    ui.shot(page, "3-trigger-form-filled")
    dialog.get_by_role("button", name="Trigger", exact=True).click()

    run = server.wait_for(lambda: _run_with_branch(server, BRANCH), "the triggered run", 30)
    assert run["run_type"] == "manual"
    run = server.wait_for(lambda: _finished(server, run["dag_run_id"]), "the run to finish", RUN_TIMEOUT_S, 3)
    states = _task_states(server, run["dag_run_id"])
    assert run["state"] == "success", states
    assert {states["clone"], states["build"], states["metric_gate"]} == {"success"}, states
    assert sorted([states["deploy"], states["skip_deploy"]]) == ["skipped", "success"], states

    run_path = f"/api/v2/dags/example_classifier/dagRuns/{run['dag_run_id']}"
    status, log = server.request("GET", f"{run_path}/taskInstances/clone/logs/1")
    assert status == 200 and f"@{BRANCH} (" in str(log), log
    page.goto(f"{server.url}/dags/example_classifier/runs/{run['dag_run_id']}/tasks/clone")
    page.get_by_text(f"@{BRANCH} (").first.wait_for()
    ui.shot(page, "3-clone-log-shows-branch")

    # The run's links: the deployed endpoint, and the gate's one-line verdict (a file:// repo has no commit page).
    links = {task: _links(server, run_path, task) for task in ("clone", "metric_gate", "deploy")}
    if states["deploy"] == "success":
        _, deployed = server.request("GET", f"{run_path}/taskInstances/deploy/xcomEntries/return_value")
        assert deployed["value"]["endpoint"] in links["deploy"]["Deployed endpoint"], links
    assert links["metric_gate"]["Gate verdict"].endswith("/tasks/metric_gate/xcom"), links
    assert not links["clone"].get("Git commit"), links
    _, line = server.request("GET", f"{run_path}/taskInstances/metric_gate/xcomEntries/verdict_line")
    assert line["value"].startswith(("deploy: f1_score", "skip: f1_score")), line
    page.goto(f"{server.url}/dags/example_classifier/runs/{run['dag_run_id']}/tasks/metric_gate/xcom")
    page.get_by_text("verdict_line").first.wait_for()
    ui.shot(page, "6-gate-verdict-line")


def _links(server, run_path: str, task_id: str) -> dict:
    status, body = server.request("GET", f"{run_path}/taskInstances/{task_id}/links")
    assert status == 200, body
    return body.get("extra_links", body)


def test_fixing_the_broken_definition_clears_the_error(ui, page):
    server = ui.server
    (ui.definitions / "ui_broken.yaml").write_text(BROKEN.replace("threshold: 0.8", 'threshold: "0.8"'))
    server.wait_for(lambda: not _import_errors(server, "ui_broken.yaml"), "the import error to clear", 90)
    server.wait_for(lambda: _dag(server, "ui_broken"), "the fixed DAG", 60)
    page.goto(f"{server.url}/dags")
    _listed(page, "ui_broken").wait_for()
    assert page.get_by_text("Dag Import Error").count() == 0
    ui.shot(page, "5-error-cleared")
