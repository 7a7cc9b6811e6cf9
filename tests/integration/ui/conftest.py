"""`make airflow`'s Airflow, started once per session for the browser flows, and a logged-in headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import make_airflow
import pytest
import yaml
from git import Repo
from tests.support.chromium import FLAGS, ensure_chromium
from tests.support.gitrepo import commit_files
from ui_flows import BRANCH, PRIVATE, SCREENSHOTS, SECRET, Ui


def _example(definitions: Path) -> None:
    """The demo's example, manual-only: no scheduled run competes with the one the trigger form starts."""
    example = yaml.safe_load((make_airflow.ROOT / "include" / "automations" / "example_classifier.yaml").read_text())
    example["trigger"] = "none"
    (definitions / "example_classifier.yaml").write_text(yaml.safe_dump(example, sort_keys=False))


def _feature_branch(state: Path) -> str:
    """A branch of the demo repository (published by `make airflow`) for the trigger form to build."""
    repo = Repo(state / "demo" / "models.git")
    repo.git.checkout("-b", BRANCH)
    try:
        return commit_files(repo, {"example_classifier/BRANCH.md": f"built from {BRANCH}\n"}, f"on {BRANCH}")
    finally:
        repo.git.checkout("main")


@pytest.fixture(scope="session")
def ui(tmp_path_factory):
    base = tmp_path_factory.mktemp("make-airflow-ui")
    definitions = base / "definitions"
    definitions.mkdir()
    _example(definitions)
    (definitions / "ui_private.yaml").write_text(PRIVATE)
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    session, server = make_airflow.start(base, definitions, AIRFLOW_VAR_UI_GIT_TOKEN=SECRET)
    try:
        _feature_branch(base / "state")
        yield Ui(server, definitions, base / "state", SCREENSHOTS)
    finally:
        session.ctrl_c()
        session.wait_stopped()
    left = [f"{p.pid} {' '.join(p.cmdline())}" for p in session.alive()] + _live_model_servers(base / "state")
    assert not left, "still running after Ctrl-C:\n" + "\n".join(left)


def _live_model_servers(state: Path) -> list[str]:
    from automations.gateway import control, registry

    found = registry.all_deployments(state / "deployments")
    left = [f"model server {d.automation}/{d.variation} pid {d.pid}" for d in found if d.alive()]
    gateway = control.running_pid(state / "deployments")
    return left + ([f"local gateway pid {gateway}"] if gateway else [])


@pytest.fixture(scope="module")
def page(ui):
    # Module scope, not session: while sync_playwright() is open its event loop runs in the main thread, and every
    # later test in the session that calls asyncio.run() fails ("cannot be called from a running event loop").
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(ensure_chromium()), args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        # The simple auth manager reads its JWT from this cookie: logged in without the form.
        context.add_cookies([{"name": "_token", "value": ui.server.token, "url": ui.server.url}])
        context.set_default_timeout(30_000)
        yield context.new_page()
        browser.close()
