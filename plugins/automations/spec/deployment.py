"""DeploymentSpecifications and autoscaling: how a model that passed its gate is served."""

from __future__ import annotations

from typing import Any, Optional, Union

from pydantic import AliasChoices, Field, StrictStr, field_validator, model_validator

from .base import SpecModel
from .enums import AggregationType, MetricType
from .fields import EnvVars, LabelValue, Memory, NonNegativeInt, PositiveInt, is_number
from .resources import GpuResources


class AutoScaleQuerySpec(SpecModel):
    metric_type: MetricType
    aggregation_type: AggregationType
    time_period: PositiveInt = Field(description="minutes the aggregation looks back")


class AutoScaleTrigger(SpecModel):
    """Base of every autoscaling trigger."""


class AutoScalingPrometheusTrigger(AutoScaleTrigger):
    query_spec: AutoScaleQuerySpec
    threshold: Union[int, float, StrictStr]

    @field_validator("threshold")
    @classmethod
    def _numeric(cls, value: Union[int, float, str]) -> Union[int, float, str]:
        if isinstance(value, bool) or (isinstance(value, str) and not is_number(value)):
            raise ValueError(f"autoscaling threshold {value!r} must be a number")
        if float(value) <= 0:
            raise ValueError(f"autoscaling threshold {value!r} must be positive")
        return value


class AutoScalingConfig(SpecModel):
    min_replica_count: NonNegativeInt = 1
    max_replica_count: PositiveInt
    polling_interval: PositiveInt = 30
    cool_down_period: NonNegativeInt = 300
    triggers: list[AutoScalingPrometheusTrigger] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _sdk_none_means_default(cls, data: Any) -> Any:
        # The SDK's fields all default to None, which Qwak's server fills in; here the defaults above do.
        if not isinstance(data, dict):
            return data
        if data.get("max_replica_count") is None:
            raise ValueError(
                "max_replica_count is required (the SDK's None leaves autoscaling to the server's defaults); "
                "give it, or leave auto_scale_config out to run number_of_pods replicas"
            )
        return {key: value for key, value in data.items() if value is not None}

    @model_validator(mode="after")
    def _min_not_above_max(self) -> AutoScalingConfig:
        if self.min_replica_count > self.max_replica_count:
            raise ValueError(
                f"min_replica_count ({self.min_replica_count}) is greater than "
                f"max_replica_count ({self.max_replica_count})"
            )
        return self


_TIMEOUT_KEYS = ("deployment_timeout", "deployment_process_timeout_limit")


class DeploymentSpecifications(SpecModel):
    # Positional arguments follow the SDK's order; fields of ours (traffic_weight) are keyword-only.
    sdk_fields = (
        "number_of_http_server_workers",
        "http_request_timeout_ms",
        "max_batch_size",
        "daemon_mode",
        "variation_name",
        "custom_iam_role_arn",
        "number_of_pods",
        "cpu_fraction",
        "memory",
        "gpu_resources",
        "auto_scale_config",
        "environments",
        "env_vars",
        "deployment_timeout",
        "instance",
        "service_account_key_secret_name",
    )

    number_of_http_server_workers: PositiveInt = 2
    http_request_timeout_ms: PositiveInt = 5000
    max_batch_size: PositiveInt = 1
    daemon_mode: bool = False
    variation_name: LabelValue = "default"
    custom_iam_role_arn: StrictStr = ""
    number_of_pods: NonNegativeInt = 2
    cpu_fraction: float = Field(default=2, gt=0)
    memory: Memory = "2Gi"
    gpu_resources: Optional[GpuResources] = None
    auto_scale_config: Optional[AutoScalingConfig] = None
    environments: list[LabelValue] = Field(default_factory=list)
    env_vars: EnvVars = Field(default_factory=list)
    # Qwak's SDK spells it deployment_timeout; its proto and the seed spell it deployment_process_timeout_limit.
    deployment_timeout: Optional[PositiveInt] = Field(
        default=None, validation_alias=AliasChoices("deployment_timeout", "deployment_process_timeout_limit")
    )
    instance: StrictStr = ""
    service_account_key_secret_name: StrictStr = ""
    # Not in Qwak's SDK, so after all of its fields (positional arguments keep the SDK's order): this variation's
    # relative share of /v1/<model_id>/predict on the local gateway (0: only its own URL). Qwak split traffic
    # between variations on its platform; this is the local A/B switch.
    traffic_weight: NonNegativeInt = 100

    @model_validator(mode="before")
    @classmethod
    def _one_timeout_spelling(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        if {"deployment_timeout", "deployment_process_timeout_limit"} <= data.keys():
            raise ValueError("give deployment_timeout or deployment_process_timeout_limit, not both")
        # The SDK's default 0 means "no limit", as None does here.
        return {k: (None if k in _TIMEOUT_KEYS and v == 0 and v is not False else v) for k, v in data.items()}

    @property
    def deployment_process_timeout_limit(self) -> Optional[int]:
        return self.deployment_timeout

    @property
    def env(self) -> dict[str, str]:
        return dict(item.split("=", 1) for item in self.env_vars)
