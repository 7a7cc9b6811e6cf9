"""The build-and-deploy action, under Qwak's and JFrog ML's names."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from .base import SpecModel
from .build import BuildSpecifications
from .conditions import AnyCondition, Condition
from .deployment import DeploymentSpecifications


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    return value if isinstance(value, (list, tuple)) else [value]


class Action(SpecModel):
    """Base of every action."""


class QwakBuildDeploy(Action):
    type_aliases = ("BuildDeploy", "FrogmlBuildDeploy")

    build_spec: BuildSpecifications
    # A list of conditions (all must pass) goes beyond Qwak, which takes one.
    deployment_condition: Annotated[list[AnyCondition], BeforeValidator(_as_list)] = Field(default_factory=list)
    deployment_spec: DeploymentSpecifications = Field(default_factory=DeploymentSpecifications)

    @property
    def conditions(self) -> list[Condition]:
        return list(self.deployment_condition)


BuildDeploy = QwakBuildDeploy
FrogmlBuildDeploy = QwakBuildDeploy
