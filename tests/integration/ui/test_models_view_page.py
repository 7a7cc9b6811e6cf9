"""The Models page in `make airflow`'s UI, in headless Chromium: listed models, plots with thresholds, a click to
the Airflow run, the dark theme, and a logged-out browser refused. Screenshots go to .cache/screenshots/."""

from __future__ import annotations

import urllib.parse

import pytest
from tests.support.chromium import FLAGS, ensure_chromium
from tests.support.models_view import NAMES, seed_models_view

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def seeded(ui):
    return seed_models_view(ui.server, ui.definitions, ui.state)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(ensure_chromium()), args=FLAGS)
        yield instance
        instance.close()


def _page(browser, ui, logged_in: bool = True, color_scheme: str = "light"):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=color_scheme)
    if logged_in:
        context.add_cookies([{"name": "_token", "value": ui.server.token, "url": ui.server.url}])
    context.set_default_timeout(60_000)
    return context.new_page()


def test_models_page_lists_plots_and_links_to_the_run(ui, seeded, browser):
    expected, runs = seeded
    page = _page(browser, ui)
    page.goto(f"{ui.server.url}/plugin/models")
    frame = page.frame_locator("iframe")
    for name in NAMES:
        row = frame.locator(f'tr[data-automation="{name}"]')
        assert expected.deployed_build[name] in row.inner_text()
    assert page.get_by_role("link", name="Models").count() >= 1  # the page is in the UI's navigation
    ui.shot(page, "models-overview")

    frame.locator('a[href="#/automation/mv_fraud"]').click()
    plot = frame.locator('.plot[data-metric="f1_score"]')
    plot.locator("canvas").wait_for()
    legend = plot.inner_text().lower()  # uPlot's legend names each series
    assert "threshold" in legend and "deployed" in legend
    trigger = frame.locator('.plot[data-metric="trigger"]')
    trigger.locator("canvas").wait_for()
    assert "fired a run" in trigger.inner_text().lower()
    ui.shot(page, "models-automation")

    frame.locator("#home").click()
    last_run = frame.locator('tr[data-automation="mv_ranker"] td:nth-child(4) a')
    assert last_run.get_attribute("data-airflow") is not None
    last_run.click()
    page.wait_for_url("**/dags/mv_ranker/runs/**")
    assert urllib.parse.unquote(page.url).endswith(f"/dags/mv_ranker/runs/{runs['mv_ranker']}"), page.url
    ui.shot(page, "models-run-link")


def test_models_page_follows_a_dark_theme(ui, seeded, browser):
    page = _page(browser, ui, color_scheme="dark")
    page.goto(f"{ui.server.url}/plugin/models")
    frame = page.frame_locator("iframe")
    frame.locator('a[href="#/automation/mv_churn"]').click()
    frame.locator('.plot[data-metric="f1_score"] canvas').wait_for()
    background = frame.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(17, 24, 39)", background  # models.css's dark --bg
    ui.shot(page, "models-dark")


def test_a_logged_out_browser_is_refused(ui, browser):
    page = _page(browser, ui, logged_in=False)
    response = page.goto(f"{ui.server.url}/models/")
    assert response is not None and response.status == 401
    assert "please log in" in page.content()
    ui.shot(page, "models-logged-out")
