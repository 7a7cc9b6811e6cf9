"""The compiled DAG: on_error on every task, on_success on the two leaves, and no webhook URL in its docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.compiler import compile_dag
from automations.loader import LoadedAutomation
from automations.notify.notifier import AutomationNotifier
from automations.settings import get_settings
from automations.spec import Automation

pytestmark = pytest.mark.unit

HOOK = "https://hooks.slack.com/services/T1/B1/literalSecret"


def _dag(settings=None, **notifications):
    spec = Automation.model_validate(
        {
            "name": "wired",
            "model_id": "m",
            "action": {"build_spec": {"git_uri": "https://example.invalid/r.git"}},
            **notifications,
        }
    )
    return compile_dag(LoadedAutomation(spec, Path("wired.yaml")), settings or get_settings())


def _notifiers(callbacks) -> list[str]:
    return [c.event for c in callbacks or [] if isinstance(c, AutomationNotifier)]


def test_on_error_is_on_every_task_and_on_success_only_on_the_leaves():
    dag = _dag(on_error={"webhook": "slack_hook"}, on_success={"url": HOOK, "http_method": "POST"})
    for task in dag.tasks:
        assert _notifiers(task.on_failure_callback) == ["on_error"], task.task_id
        expected = ["on_success"] if task.task_id in ("deploy", "skip_deploy") else []
        assert _notifiers(task.on_success_callback) == expected, task.task_id
    build = dag.get_task("build")
    assert len(build.on_failure_callback) == 2, "the analytics record callback stays first"


def test_no_notifications_no_callbacks_and_docs_say_none():
    dag = _dag()
    assert all(not _notifiers(t.on_failure_callback) and not _notifiers(t.on_success_callback) for t in dag.tasks)
    assert "**Notifications:** none" in dag.doc_md


def test_docs_name_secrets_and_hide_literal_urls():
    dag = _dag(on_error={"webhook": HOOK}, on_success={"webhook": "secret:slack_hook"})
    assert "literalSecret" not in dag.doc_md and "hooks.slack.com" not in dag.doc_md
    assert "on success → Slack (secret 'slack_hook')" in dag.doc_md
    assert "on error → Slack (a literal URL (hidden))" in dag.doc_md


def test_notifiers_send_with_the_timeout_of_the_settings_the_dag_was_compiled_with(monkeypatch):
    from automations.notify import notifier
    from automations.notify.http import Delivery
    from automations.notify.report import Outcome, RunReport, Status

    monkeypatch.setenv("AUTOMATIONS_NOTIFY_TIMEOUT", "99")  # not what the DAG was compiled with
    dag = _dag(get_settings().replace(notify_timeout_s=3.5), on_error={"url": "http://127.0.0.1:9/hook"})
    [notifying] = [c for c in dag.get_task("clone").on_failure_callback if isinstance(c, AutomationNotifier)]
    sent: list[float] = []
    monkeypatch.setattr(
        notifier, "send", lambda request, timeout_s: sent.append(timeout_s) or Delivery(True, 1, 200, "", 0)
    )
    report = RunReport("wired", "m", "r", "2026-01-01", "http://af/r", Status.failure, Outcome.failed)
    notifying._deliver(report)
    assert notifying.timeout_s == 3.5 and sent == [3.5]
