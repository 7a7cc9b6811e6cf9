"""Warnings (not errors) about notifications: a literal Slack webhook in a definition is a credential in git."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DefinitionError
from ..spec import SlackNotification
from .target import url_reference

if TYPE_CHECKING:
    from ..loader import LoadedAutomation

EVENTS = ("on_success", "on_error")


def notification_warnings(automation: LoadedAutomation) -> list[DefinitionError]:
    from ..loader import display

    warnings = []
    for event in EVENTS:
        notification = getattr(automation.spec, event)
        if isinstance(notification, SlackNotification) and not url_reference(notification.webhook).is_secret:
            warnings.append(
                DefinitionError(
                    display(automation.source),
                    f"{event}.webhook",
                    "warning: a literal Slack webhook URL is a credential; store it in an Airflow Variable or "
                    "Connection and give its name here (e.g. webhook: secret:slack_webhook)",
                )
            )
    return warnings
