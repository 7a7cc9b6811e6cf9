"""When an automation runs: a cron or interval, a metric crossing a threshold, or only by hand."""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import BeforeValidator, Tag, model_validator

from .base import SpecModel
from .enums import ThresholdDirection
from .fields import Cron, Interval, Threshold
from .polymorphic import discriminator


class Trigger(SpecModel):
    """Base of every trigger (Qwak's abstract ``Trigger``)."""


class Metric(SpecModel):
    """Base of every metric a metric-based trigger can watch."""


class SqlMetric(Metric):
    sql_query: Threshold


class ScheduledTrigger(Trigger):
    cron: Optional[Cron] = ""
    interval: Optional[Interval] = ""

    @model_validator(mode="after")
    def _exactly_one(self) -> ScheduledTrigger:
        if bool(self.cron) == bool(self.interval):
            raise ValueError("ScheduledTrigger needs exactly one of cron or interval")
        return self


class NoneTrigger(Trigger):
    """Manual runs only."""


class MetricBasedTrigger(Trigger):
    name: str = ""
    metric: SqlMetric
    direction: ThresholdDirection = ThresholdDirection.ABOVE
    threshold: Threshold
    override_cron: Optional[Cron] = ""


def _none_word(value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "manual")):
        return {"type": "NoneTrigger"}
    return value


# Every kind of trigger, as the type code matches on (``match`` + ``assert_never``); AnyTrigger below is the same
# union as pydantic reads it from a definition.
TriggerKind = Union[ScheduledTrigger, NoneTrigger, MetricBasedTrigger]

_TRIGGERS = {cls.__name__: cls for cls in (ScheduledTrigger, NoneTrigger, MetricBasedTrigger)}

AnyTrigger = Annotated[
    Union[
        Annotated[ScheduledTrigger, Tag("ScheduledTrigger")],
        Annotated[NoneTrigger, Tag("NoneTrigger")],
        Annotated[MetricBasedTrigger, Tag("MetricBasedTrigger")],
    ],
    discriminator(
        "trigger",
        [(("metric",), "MetricBasedTrigger"), (("cron", "interval"), "ScheduledTrigger")],
        _TRIGGERS,
        fallback="NoneTrigger",
    ),
    BeforeValidator(_none_word),
]
