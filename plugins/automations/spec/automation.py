"""The Automation: one definition, one Airflow DAG."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from pydantic import Field, StrictStr

from .action import QwakBuildDeploy
from .base import SpecModel
from .fields import DagId, LabelValue
from .notifications import AnyNotification
from .triggers import AnyTrigger, NoneTrigger


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
    action: QwakBuildDeploy
    description: StrictStr = ""
    environment: StrictStr = ""
    is_enabled: bool = True
    execute_immediately: bool = False
    on_error: Optional[AnyNotification] = None
    on_success: Optional[AnyNotification] = None
