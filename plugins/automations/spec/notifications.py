"""Who hears about a run's outcome: the definition's shape. Sending is in ``automations.notify``."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, Tag

from .base import SpecModel
from .polymorphic import discriminator


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class Notification(SpecModel):
    """Base of every notification."""


class SlackNotification(Notification):
    webhook: str = Field(min_length=1)


class CustomWebhook(Notification):
    url: str = Field(min_length=1)
    # The SDK takes the method in any case (it upper-cases it) and knows HEAD too.
    http_method: Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], BeforeValidator(_upper)] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    data: dict[str, str] = Field(default_factory=dict)


_NOTIFICATIONS = {cls.__name__: cls for cls in (SlackNotification, CustomWebhook)}

AnyNotification = Annotated[
    Union[Annotated[SlackNotification, Tag("SlackNotification")], Annotated[CustomWebhook, Tag("CustomWebhook")]],
    discriminator("notification", [(("webhook",), "SlackNotification"), (("url",), "CustomWebhook")], _NOTIFICATIONS),
]
