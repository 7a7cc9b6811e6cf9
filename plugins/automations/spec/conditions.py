"""Deployment conditions: what a new build's metrics must satisfy before it deploys."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field, Tag

from .base import SpecModel
from .enums import ThresholdDirection
from .fields import Threshold
from .polymorphic import discriminator


class DeploymentCondition(SpecModel):
    """Base of every deployment condition."""


class BuildMetric(DeploymentCondition):
    """The build's metric against a static threshold (a numeric string) or a SQL query's result."""

    metric_name: str = Field(min_length=1)
    direction: ThresholdDirection = ThresholdDirection.ABOVE
    threshold: Threshold


class DeployedBuildMetric(DeploymentCondition):
    """The build's metric against the same metric of the build deployed on ``variation`` (champion vs challenger)."""

    metric_name: str = Field(min_length=1)
    direction: ThresholdDirection = ThresholdDirection.ABOVE
    variation: str = "default"


# Every kind of condition, as the type code matches on (``match`` + ``assert_never`` lets mypy prove a new kind is
# handled everywhere); AnyCondition below is the same union as pydantic reads it from a definition.
Condition = Union[BuildMetric, DeployedBuildMetric]

_CONDITIONS = {cls.__name__: cls for cls in (BuildMetric, DeployedBuildMetric)}

AnyCondition = Annotated[
    Union[Annotated[BuildMetric, Tag("BuildMetric")], Annotated[DeployedBuildMetric, Tag("DeployedBuildMetric")]],
    discriminator(
        "deployment_condition", [(("threshold",), "BuildMetric"), (("variation",), "DeployedBuildMetric")], _CONDITIONS
    ),
]
