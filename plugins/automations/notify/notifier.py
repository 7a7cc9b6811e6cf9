"""The Airflow notifier behind on_success / on_error: a BaseNotifier used as a task callback.

on_error is every task's on_failure_callback (the failing task names itself); on_success is the
on_success_callback of the two leaves, deploy and skip_deploy, so a run that built but did not deploy is a
success too, as in Qwak, and says so. Whatever happens here is logged and swallowed: a notification never
fails a task or changes a run's result.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from ..spec import CustomWebhook, SlackNotification
from ..steps.secrets import mask
from .context import report_from_context
from .http import HttpRequest, send
from .message import slack_payload, webhook_fields
from .report import RunReport, Status
from .target import resolve_headers, url_reference

if TYPE_CHECKING:
    from ..loader import LoadedAutomation

log = logging.getLogger(__name__)

SLACK_HOOKS = "https://hooks.slack.com/services/"  # a slackwebhook Connection may hold just the T../B../.. token


class AutomationNotifier(BaseNotifier):
    """Sends ``notification`` about ``automation``'s run; ``event`` is "on_success" or "on_error"; each HTTP
    attempt may take ``timeout_s`` (AUTOMATIONS_NOTIFY_TIMEOUT, from the settings the DAG was compiled with)."""

    def __init__(
        self,
        automation: LoadedAutomation,
        notification: SlackNotification | CustomWebhook,
        event: str,
        timeout_s: float,
    ):
        super().__init__()
        self.automation, self.notification, self.event, self.timeout_s = automation, notification, event, timeout_s

    def notify(self, context: Any) -> None:
        status = Status.failure if self.event == "on_error" else Status.success
        try:
            report = report_from_context(self.automation, context, status)
            self._deliver(report)
        except Exception as exc:  # never let a notification change the run's result
            log.error(
                "NOTIFICATION NOT SENT: %s %s of %s: %s",
                self.event,
                self._kind,
                self.automation.name,
                type(exc).__name__,
            )

    @property
    def _kind(self) -> str:
        return type(self.notification).__name__

    def _deliver(self, report: RunReport) -> None:
        request, target = build_request(self.notification, report)
        delivery = send(request, self.timeout_s)
        where = f"{self._kind} to {target}"
        if delivery.ok:
            log.info(
                "notification %s (%s) sent: %s, HTTP %s, %d attempt(s), %.2fs",
                self.event,
                report.outcome.value,
                where,
                delivery.status,
                delivery.attempts,
                delivery.elapsed_s,
            )
        else:
            log.error(
                "NOTIFICATION FAILED: %s (%s) %s after %d attempt(s), %.2fs: %s; the run's result is unchanged",
                self.event,
                report.outcome.value,
                where,
                delivery.attempts,
                delivery.elapsed_s,
                delivery.error,
            )


def build_request(notification: SlackNotification | CustomWebhook, report: RunReport) -> tuple[HttpRequest, str]:
    """The HTTP request to send and a loggable label of its target (a secret's name, never a URL)."""
    if isinstance(notification, SlackNotification):
        ref = url_reference(notification.webhook)
        url = ref.resolve()
        url = url if "://" in url else SLACK_HOOKS + url.lstrip("/")
        mask(url)
        return HttpRequest("POST", url, {}, slack_payload(report)), ref.label()
    ref = url_reference(notification.url)
    url = ref.resolve()
    mask(url)
    headers = resolve_headers(notification.headers)
    request = HttpRequest(notification.http_method, url, headers, webhook_fields(report, notification.data))
    return request, ref.label()
