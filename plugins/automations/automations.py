"""``automations.automations``: the names of ``qwak.automations.automations`` / ``frogml.core.automations.automations``,
so an SDK file that imports from the submodule works with only its import line changed."""

from .spec import (
    Action,
    Automation,
    AutomationAudit,
    CustomWebhook,
    Metric,
    MetricBasedTrigger,
    NoneTrigger,
    Notification,
    ScheduledTrigger,
    SlackNotification,
    SqlMetric,
    ThresholdDirection,
    Trigger,
)

__all__ = [
    "Action",
    "Automation",
    "AutomationAudit",
    "CustomWebhook",
    "Metric",
    "MetricBasedTrigger",
    "NoneTrigger",
    "Notification",
    "ScheduledTrigger",
    "SlackNotification",
    "SqlMetric",
    "ThresholdDirection",
    "Trigger",
]
