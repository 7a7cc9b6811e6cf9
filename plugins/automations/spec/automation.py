"""The Automation: one definition, one Airflow DAG."""

from __future__ import annotations

from typing import Optional

from pydantic import Field, StrictStr

from .action import QwakBuildDeploy
from .base import SpecModel
from .fields import DagId, LabelValue
from .notifications import AnyNotification
from .triggers import AnyTrigger, NoneTrigger


class Automation(SpecModel):
    name: DagId
    model_id: LabelValue
    trigger: AnyTrigger = Field(default_factory=NoneTrigger)
    action: QwakBuildDeploy
    description: StrictStr = ""
    environment: StrictStr = ""
    is_enabled: bool = True
    execute_immediately: bool = False
    on_error: Optional[AnyNotification] = None
    on_success: Optional[AnyNotification] = None
