"""Slack content and CustomWebhook fields of success, skip and failure reports; secret references; warnings."""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.loader import LoadedAutomation
from automations.notify.lint import notification_warnings
from automations.notify.message import slack_payload, webhook_fields
from automations.notify.notifier import build_request
from automations.notify.report import Outcome, RunReport, Status, verdict_text
from automations.notify.target import header_reference, resolve_headers, url_reference
from automations.spec import Automation, CustomWebhook, SlackNotification

pytestmark = pytest.mark.unit

BASE = {
    "automation": "churn",
    "model_id": "churn-model",
    "run_id": "scheduled__2026-01-01T00:00:00+00:00",
    "execution_date": "2026-01-01T00:00:00+00:00",
    "run_url": "http://af/dags/churn/runs/r",
    "build_id": "b-1",
    "commit": "0123456789abcdef0123",
    "metrics": {"f1_score": 0.8123456},
}


def report(**kw) -> RunReport:
    return RunReport(**{**BASE, **kw})


def test_a_deployed_success_names_model_run_commit_metrics_gate_and_endpoint():
    text = slack_payload(
        report(
            status=Status.success,
            outcome=Outcome.deployed,
            verdict="passed (1 condition(s))",
            endpoint="http://127.0.0.1:9001",
        )
    )["text"]
    assert "churn: build succeeded and was deployed" in text
    for part in (
        "churn-model",
        "http://af/dags/churn/runs/r",
        "0123456789ab",
        "f1_score=0.8123",
        "passed",
        "http://127.0.0.1:9001",
    ):
        assert part in text


def test_a_gate_skip_is_a_success_that_says_it_was_not_deployed():
    payload = slack_payload(
        report(
            status=Status.success,
            outcome=Outcome.not_deployed,
            verdict="failed: f1_score = 0.81 is not ABOVE (>) the threshold 0.9 (static)",
        )
    )
    assert "not deployed (the metric gate did not pass)" in payload["text"]
    assert "threshold 0.9" in payload["text"] and "*Deployed to:* not deployed" in payload["text"]
    assert [b["type"] for b in payload["blocks"]] == ["section", "section"]


def test_a_failure_names_the_task_its_error_and_the_log_link():
    text = slack_payload(
        report(
            status=Status.failure,
            outcome=Outcome.failed,
            failed_task="build",
            error="BuildFailed: exit 5",
            log_url="http://af/log",
        )
    )["text"]
    assert "task `build` failed" in text and "BuildFailed: exit 5" in text and "http://af/log" in text


def test_webhook_fields_are_qwaks_plus_data_and_data_cannot_override_them():
    fields = webhook_fields(
        report(status=Status.success, outcome=Outcome.not_deployed), {"team": "ml", "status": "spoofed"}
    )
    assert {k: fields[k] for k in ("execution_date", "model_id", "automation", "status", "build_id")} == {
        "execution_date": "2026-01-01T00:00:00+00:00",
        "model_id": "churn-model",
        "automation": "churn",
        "status": "SUCCESS",
        "build_id": "b-1",
    }
    assert fields["team"] == "ml" and fields["outcome"] == "built, not deployed"


def test_verdict_text():
    assert verdict_text({}) == "no verdict (the gate did not run)"
    assert verdict_text({"passed": True, "forced": True}) == "forced by force_deploy (override)"
    assert verdict_text({"passed": True, "conditions": []}) == "passed (no deployment_condition)"
    assert verdict_text({"passed": False}, "f1 too low") == "failed: f1 too low"


def test_references_literal_or_secret():
    assert not url_reference("https://hooks.slack.com/services/T/B/X").is_secret
    assert url_reference("slack_webhook").is_secret and url_reference("slack_webhook").secret_name == "slack_webhook"
    assert url_reference("secret:hook").secret_name == "hook"
    assert not header_reference("Bearer abc").is_secret and header_reference("secret:api_token").is_secret
    assert url_reference("https://x.invalid/a").label() == "a literal URL (hidden)"
    secrets = {"api_token": "Bearer s3cret"}
    assert resolve_headers({"Authorization": "secret:api_token", "X-A": "1"}, secrets.__getitem__) == {
        "Authorization": "Bearer s3cret",
        "X-A": "1",
    }


def _automation(**notifications) -> LoadedAutomation:
    spec = Automation.model_validate(
        {
            "name": "churn",
            "model_id": "m",
            "action": {"build_spec": {"git_uri": "https://example.invalid/r.git"}},
            **notifications,
        }
    )
    return LoadedAutomation(spec, Path("churn.yaml"))


def test_a_literal_slack_webhook_is_a_warning_and_a_secret_name_is_not():
    warned = notification_warnings(
        _automation(
            on_error={"webhook": "https://hooks.slack.com/services/T/B/X"}, on_success={"webhook": "slack_webhook"}
        )
    )
    assert [(w.path, w.reason.startswith("warning: a literal Slack webhook")) for w in warned] == [
        ("on_error.webhook", True)
    ]
    assert "hooks.slack.com" not in str(warned[0])


def test_build_request_resolves_secrets_at_send_time(monkeypatch):
    values = {"hook": "https://hooks.slack.invalid/services/T/B/X", "token": "t0k", "bare": "T1/B1/Z1"}
    monkeypatch.setattr("automations.notify.target.airflow_secret", values.__getitem__)
    ok = report(status=Status.success, outcome=Outcome.deployed)
    request, label = build_request(SlackNotification(webhook="hook"), ok)
    assert (request.method, request.url, label) == ("POST", values["hook"], "secret 'hook'")
    request, _ = build_request(SlackNotification(webhook="bare"), ok)
    assert request.url == "https://hooks.slack.com/services/T1/B1/Z1"
    webhook = CustomWebhook(
        url="https://x.invalid/h", http_method="GET", headers={"A": "secret:token"}, data={"k": "v"}
    )
    request, label = build_request(webhook, ok)
    assert request.headers == {"A": "t0k"} and request.fields["k"] == "v" and label == "a literal URL (hidden)"
