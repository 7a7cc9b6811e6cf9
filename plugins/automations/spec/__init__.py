"""The definition language: Qwak's automation classes as strict pydantic models."""

from .action import Action, BuildDeploy, FrogmlBuildDeploy, QwakBuildDeploy
from .automation import Automation, AutomationAudit
from .batch import BatchExecution, BatchJobDataSpecifications, BatchJobExecutionSpecifications
from .build import BuildSpecifications
from .conditions import BuildMetric, Condition, DeployedBuildMetric, DeploymentCondition
from .deployment import (
    AutoScaleQuerySpec,
    AutoScaleTrigger,
    AutoScalingConfig,
    AutoScalingPrometheusTrigger,
    DeploymentSpecifications,
)
from .enums import AggregationType, GpuType, MetricType, PurchaseOption, ThresholdDirection
from .notifications import CustomWebhook, Notification, SlackNotification
from .resources import ClientResources, CpuResources, GpuResources, Resources
from .triggers import Metric, MetricBasedTrigger, NoneTrigger, ScheduledTrigger, SqlMetric, Trigger, TriggerKind

__all__ = [
    "Action",
    "AggregationType",
    "Automation",
    "AutomationAudit",
    "AutoScaleQuerySpec",
    "AutoScaleTrigger",
    "AutoScalingConfig",
    "AutoScalingPrometheusTrigger",
    "BatchExecution",
    "BatchJobDataSpecifications",
    "BatchJobExecutionSpecifications",
    "BuildDeploy",
    "BuildMetric",
    "BuildSpecifications",
    "ClientResources",
    "Condition",
    "CpuResources",
    "CustomWebhook",
    "DeployedBuildMetric",
    "DeploymentCondition",
    "DeploymentSpecifications",
    "FrogmlBuildDeploy",
    "GpuResources",
    "GpuType",
    "Metric",
    "MetricBasedTrigger",
    "MetricType",
    "NoneTrigger",
    "Notification",
    "PurchaseOption",
    "QwakBuildDeploy",
    "Resources",
    "ScheduledTrigger",
    "SlackNotification",
    "SqlMetric",
    "ThresholdDirection",
    "Trigger",
    "TriggerKind",
]
