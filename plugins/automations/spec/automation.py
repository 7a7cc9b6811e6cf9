"""The Automation: one definition, one Airflow DAG."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional, Union

from pydantic import Field, StrictStr, Tag

from .action import QwakBuildDeploy
from .base import SpecModel
from .batch import BatchExecution
from .fields import DagId, LabelValue
from .notifications import AnyNotification
from .polymorphic import discriminator
from .triggers import AnyTrigger, NoneTrigger

_ACTIONS = {cls.__name__: cls for cls in (QwakBuildDeploy, BatchExecution)}
AnyAction = Annotated[
    Union[Annotated[QwakBuildDeploy, Tag("QwakBuildDeploy")], Annotated[BatchExecution, Tag("BatchExecution")]],
    discriminator(
        "action",
        [(("build_spec",), "QwakBuildDeploy"), (("data_specifications", "execution_specifications"), "BatchExecution")],
        _ACTIONS,
    ),
]


class AutomationAudit(SpecModel):
    """Who created an automation on Qwak's server: accepted so SDK files construct, never used (see create_audit)."""

    date: Optional[datetime] = None
    user_id: StrictStr = ""


class Automation(SpecModel):
    sdk_fields = (
        "id",
        "name",
        "model_id",
        "execute_immediately",
        "trigger",
        "action",
        "description",
        "environment",
        "is_enabled",
        "is_deleted",
        "is_sdk_v1",
        "create_audit",
        "on_error",
        "on_success",
        "jfrog_token_id",
        "platform_url",
    )
    sdk_only_fields = ("id", "is_deleted", "is_sdk_v1", "create_audit", "jfrog_token_id", "platform_url")

    name: DagId
    model_id: LabelValue
    trigger: AnyTrigger = Field(default_factory=NoneTrigger)
    if TYPE_CHECKING:
        # Type checkers see the build action: build-only code (backends, steps, the build DAG's tasks) runs only
        # for it, because the compiler gives a BatchExecution its own DAG; code shared by both kinds (loader,
        # environments, docs, render) checks ``is_batch`` first.
        action: QwakBuildDeploy
    else:
        action: AnyAction
    description: StrictStr = ""
    environment: StrictStr = ""
    is_enabled: bool = True
    execute_immediately: bool = False
    on_error: Optional[AnyNotification] = None
    on_success: Optional[AnyNotification] = None

    @property
    def is_batch(self) -> bool:
        return isinstance(self.action, BatchExecution)

    @property
    def batch(self) -> BatchExecution:
        """The batch action (only for ``is_batch`` automations)."""
        action: object = self.action
        if not isinstance(action, BatchExecution):
            raise TypeError(f"{self.name} is a build-and-deploy automation, not a batch execution")
        return action
