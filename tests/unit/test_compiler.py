"""The neutral DAG plan: schedule, tags, pause state and docs, without building a DAG."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.loading import load_now

from automations.compiler import plan
from automations.settings import get_settings

pytestmark = pytest.mark.unit

VALID = Path(__file__).parents[1] / "fixtures" / "definitions" / "valid"


@pytest.fixture(scope="module")
def automations():
    return load_now([VALID]).by_name()


def test_cron_is_the_automation_timetable(automations):
    schedule = plan(automations["churn_nightly"], get_settings()).schedule
    assert type(schedule).__name__ == "AutomationTimetable"
    assert schedule.serialize() == {"cron": "0 2 * * *", "interval": "", "execute_immediately": False}


def test_interval_is_the_automation_timetable(automations):
    schedule = plan(automations["hourly_gpu"], get_settings()).schedule
    assert type(schedule).__name__ == "AutomationTimetable"
    assert schedule.serialize()["interval"] and not schedule.serialize()["cron"]


def test_manual_only_has_no_schedule(automations):
    assert plan(automations["manual_only"], get_settings()).schedule is None


def test_tags_pause_state_and_branch(automations):
    churn = plan(automations["churn_nightly"], get_settings())
    assert churn.tags == ("automation", "churn_model", "team-a")
    assert churn.is_paused_upon_creation is False and churn.default_branch == "main"
    assert plan(automations["hourly_gpu"], get_settings()).is_paused_upon_creation is True


def test_doc_md_summarises_without_secrets(automations, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GITHUB_TOKEN", "http://user:very-secret-pw@github.com")
    doc = plan(automations["churn_nightly"], get_settings()).doc_md
    for expected in (
        "churn_nightly.yaml",
        "https://github.com/example/models.git",
        "directory `churn`",
        "branch `main`",
        "on cron `0 2 * * *` (UTC)",
        "`f1_score` > `0.65`",
        "variation `default`",
    ):
        assert expected in doc
    assert "very-secret-pw" not in doc


def test_plan_does_not_mutate_the_spec(automations):
    before = automations["churn_nightly"].spec.model_dump()
    plan(automations["churn_nightly"], get_settings())
    assert automations["churn_nightly"].spec.model_dump() == before
