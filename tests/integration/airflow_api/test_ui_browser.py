"""The Airflow UI in headless Chromium (Debian's): the trigger form and the import error, as a user sees them."""

from __future__ import annotations

import pytest
from tests.support.chromium import FLAGS, ensure_chromium

pytestmark = [pytest.mark.integration, pytest.mark.browser]

@pytest.fixture(scope="module")
def page(airflow, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(ensure_chromium()), args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # The simple auth manager reads its JWT from this cookie: logged in without the form.
        context.add_cookies([{"name": "_token", "value": airflow.token, "url": airflow.url}])
        yield context.new_page()
        browser.close()


def test_trigger_form_offers_branch_and_force_deploy(airflow, page, tmp_path):
    airflow.wait_for(lambda: airflow.request("GET", "/api/v2/dags/api_valid")[0] == 200, "DAG api_valid")
    page.goto(f"{airflow.url}/dags/api_valid")
    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Run Parameters").wait_for()
    page.screenshot(path=str(tmp_path / "trigger-form.png"))
    assert dialog.get_by_text("Git branch").is_visible() and dialog.get_by_text("Force deploy").is_visible()
    values = dialog.get_by_role("textbox").evaluate_all("els => els.map(e => e.value)")
    assert "main" in values  # git_branch, pre-filled with the definition's branch
    assert dialog.get_by_role("checkbox").count() >= 1  # the boolean param renders as a switch
    assert dialog.get_by_text("Deploy even if the metric gate fails").is_visible()


def test_import_error_is_visible_with_file_field_and_reason(airflow, page, tmp_path):
    page.goto(airflow.url)
    page.get_by_text("Dag Import Error").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("automation_errors.py").first.wait_for()
    dialog.get_by_text("automation_errors.py").first.click()
    dialog.get_by_text("api_invalid.yaml").first.wait_for()
    page.screenshot(path=str(tmp_path / "import-errors.png"))
    text = dialog.inner_text()
    assert "api_invalid.yaml: action.deployment_condition.0.threshold: threshold must be a string" in text
