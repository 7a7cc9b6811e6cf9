"""The Models view in a real ``airflow standalone``: its JSON API behind Airflow's login, and the page in Chromium.

The analytics store (the embedded SQLite of the server's state folder) is seeded with 30 builds of three
automations through the store's own write API; each automation also has one real Airflow run, which is the newest
run in the seeded history, so the page's links lead to runs that exist.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.support.chromium import FLAGS, ensure_chromium
from tests.support.history import THRESHOLD, seed, seed_trigger_checks

pytestmark = [pytest.mark.integration]
NAMES = ["mv_churn", "mv_fraud", "mv_ranker"]
SHOTS = Path(__file__).resolve().parents[3] / ".cache" / "screenshots" / "models_view"
DEFINITION = """\
name: {name}
model_id: {name}_model
is_enabled: false
trigger: {{cron: "0 4 * * *"}}
action:
  build_spec: {{git_uri: "https://git.example.com/models.git#{name}"}}
  deployment_condition: {{metric_name: f1_score, threshold: "0.8"}}
"""


def _define(airflow, name: str) -> None:
    definitions = airflow.home.parent / "definitions"
    (definitions / f"{name}.yaml").write_text(DEFINITION.format(name=name))


def _real_run(airflow, dag_id: str) -> str:
    # The DAG is created paused (is_enabled: false), so the queued run never starts; marking it done makes a
    # real, finished run to link to.
    status, run = airflow.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
    assert status == 200, run
    status, body = airflow.request("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}", {"state": "success"})
    assert status == 200, body
    return run["dag_run_id"]


@pytest.fixture(scope="module")
def seeded(airflow):
    for name in NAMES:
        _define(airflow, name)
    for name in NAMES:
        airflow.wait_for(lambda n=name: airflow.request("GET", f"/api/v2/dags/{n}")[0] == 200, f"DAG {name}")
    runs = {name: _real_run(airflow, name) for name in NAMES}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
        mp.setenv("AUTOMATIONS_STATE_DIR", str(airflow.home / "state"))
        from automations.analytics import open_store
        from automations.analytics.connection import dispose_engines
        from automations.settings import get_settings

        store = open_store(get_settings())
        expected = seed(store, NAMES, builds=[12, 8, 10], last_run_ids=runs)
        seed_trigger_checks(store, "mv_fraud", [0.9, 0.85, 0.7, 0.75, 0.9, 0.6], threshold=0.8)
        dispose_engines()
    return expected, runs


def _get(airflow, path: str, token: str | None) -> tuple[int, dict | str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{airflow.url}{path}", headers=headers), timeout=30) as r:
            body = r.read().decode()
            return r.status, json.loads(body) if r.headers.get_content_type() == "application/json" else body
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_anonymous_requests_are_refused(airflow):
    assert _get(airflow, "/models/api/automations", None)[0] == 401
    assert _get(airflow, "/models/api/automations/mv_churn", None)[0] == 401
    status, page = _get(airflow, "/models/", None)
    assert status == 401 and "please log in" in str(page)
    assert _get(airflow, "/models/api/automations", "not-a-jwt")[0] in (401, 403)


def test_overview_api_lists_each_automation_with_its_deployed_build_and_last_run(airflow, seeded):
    expected, runs = seeded
    status, body = _get(airflow, "/models/api/automations", airflow.token)
    assert status == 200 and body["analytics"]["ok"] is True
    rows = {row["automation"]: row for row in body["automations"]}
    assert set(NAMES) <= set(rows)
    for name in NAMES:
        row = rows[name]
        assert [d["build_id"] for d in row["deployed"]] == [expected.deployed_build[name]]
        assert row["last_run"]["run_id"] == runs[name]
        assert row["last_run"]["result"] == expected.last_result[name]
        assert row["last_run"]["url"] == f"/dags/{name}/runs/{urllib.request.quote(runs[name], safe='')}"
        assert row["paused"] is True and row["next_run"] is None
    assert "ghp_this-must-never-show" not in json.dumps(body)


def test_detail_api_has_series_with_thresholds_builds_and_rollbacks(airflow, seeded):
    expected, _ = seeded
    status, body = _get(airflow, "/models/api/automations/mv_fraud", airflow.token)
    assert status == 200
    assert len(body["builds"]) == 8 and body["metrics"] == ["accuracy", "f1_score"]
    series = body["series"]["f1_score"]
    assert len(series["value"]) == 7  # the failed build logged nothing
    assert set(series["threshold"]) == {THRESHOLD}
    assert sum(series["deployed"]) == sum(1 for b in body["builds"] if b["deployed"])
    assert {d["status"] for d in body["deploys"]} == {"deployed", "rolled_back"}
    assert _get(airflow, "/models/api/automations/nobody", airflow.token)[0] == 404


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(ensure_chromium()), args=FLAGS)
        yield instance
        instance.close()


def _context(browser, airflow, logged_in: bool):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if logged_in:
        context.add_cookies([{"name": "_token", "value": airflow.token, "url": airflow.url}])
    return context


@pytest.mark.browser
def test_page_in_the_ui_lists_models_plots_thresholds_and_links_to_runs(airflow, seeded, browser):
    expected, runs = seeded
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _context(browser, airflow, logged_in=True).new_page()
    page.goto(f"{airflow.url}/plugin/models")
    frame = page.frame_locator("iframe")
    for name in NAMES:
        row = frame.locator(f'tr[data-automation="{name}"]')
        row.wait_for(timeout=60_000)
        assert expected.deployed_build[name] in row.inner_text()
    assert page.get_by_role("link", name="Models").count() >= 1  # the page is in the UI's navigation
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

    frame.locator('a[href="#/automation/mv_fraud"]').click()
    plot = frame.locator('.plot[data-metric="f1_score"]')
    plot.locator("canvas").wait_for(timeout=30_000)
    legend = plot.inner_text().lower()
    assert "threshold" in legend and "deployed" in legend
    trigger = frame.locator('.plot[data-metric="trigger"]')
    trigger.locator("canvas").wait_for(timeout=30_000)
    assert "fired a run" in trigger.inner_text().lower()
    page.screenshot(path=str(SHOTS / "automation.png"), full_page=True)

    frame.locator("#home").click()
    last_run = frame.locator('tr[data-automation="mv_ranker"] td:nth-child(4) a')
    assert last_run.get_attribute("data-airflow") is not None
    last_run.click()
    try:
        page.wait_for_url("**/dags/mv_ranker/runs/**", timeout=30_000)
    finally:
        page.screenshot(path=str(SHOTS / "after_click.png"))
    assert urllib.request.unquote(page.url).endswith(f"/dags/mv_ranker/runs/{runs['mv_ranker']}"), page.url


@pytest.mark.browser
def test_a_logged_out_browser_is_refused(airflow, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _context(browser, airflow, logged_in=False).new_page()
    response = page.goto(f"{airflow.url}/models/")
    assert response is not None and response.status == 401
    assert "please log in" in page.content()
    page.screenshot(path=str(SHOTS / "logged_out.png"))
