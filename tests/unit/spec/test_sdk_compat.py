"""The SDK dataclass habits our definition classes accept (qwak-core 0.7 / frogml 2.1), and the errors where we stay
stricter. The same behaviour against the real SDKs: tests/integration/sdk."""

from __future__ import annotations

import logging

import pytest
from pydantic import ValidationError

import automations
from automations import (
    AggregationType,
    Automation,
    AutoScalingConfig,
    BuildMetric,
    BuildSpecifications,
    CustomWebhook,
    DeploymentSpecifications,
    GpuResources,
    MetricType,
    QwakBuildDeploy,
    ScheduledTrigger,
    SlackNotification,
    SqlMetric,
    ThresholdDirection,
)
from automations.spec.enums import GpuType

pytestmark = pytest.mark.unit
GIT = "https://github.com/acme/m.git"


def test_positional_arguments_follow_the_sdk_field_order():
    assert SlackNotification("https://hooks.slack.com/x").webhook == "https://hooks.slack.com/x"
    metric = BuildMetric("f1", ThresholdDirection.BELOW, "0.5")
    assert (metric.metric_name, metric.direction, metric.threshold) == ("f1", ThresholdDirection.BELOW, "0.5")
    # BuildSpecifications' first SDK field is parameters, then git_uri (not our declaration order).
    spec = BuildSpecifications({"epochs": 3}, GIT, ["t"])
    assert (spec.parameters, spec.git_uri, spec.tags) == ({"epochs": "3"}, GIT, ["t"])
    # Automation's first SDK field is the server id, which is ignored.
    auto = Automation("auto-1", "n1", "model", True, ScheduledTrigger("0 0 * * *"), QwakBuildDeploy(spec))
    assert (auto.name, auto.model_id, auto.execute_immediately, auto.trigger.cron) == ("n1", "model", True, "0 0 * * *")


def test_positional_errors_are_the_ones_python_gives():
    with pytest.raises(TypeError, match="multiple values for argument 'webhook'"):
        SlackNotification("a", webhook="b")
    with pytest.raises(TypeError, match="at most 1 positional"):
        SlackNotification("a", "b")


@pytest.mark.parametrize(
    "enum_cls,number,name",
    [
        (ThresholdDirection, 1, "ABOVE"),
        (ThresholdDirection, 4, "BELOW_OR_EQUALS"),
        (ThresholdDirection, 5, "ABOVE_OR_EQUALS"),
        (MetricType, 3, "latency"),
        (AggregationType, 3, "avg"),
        (AggregationType, 8, "p99"),
    ],
)
def test_sdk_integer_enum_values(enum_cls, number, name):
    assert enum_cls(number).name == name
    assert BuildMetric(metric_name="m", direction=1, threshold="1").direction is ThresholdDirection.ABOVE


def test_integers_outside_the_sdk_enum_and_bools_are_refused():
    with pytest.raises(ValueError):
        ThresholdDirection(9)
    with pytest.raises(ValueError):
        ThresholdDirection(True)


def test_sdk_defaults_deployment_timeout_zero_is_no_limit_and_gpu_amount_none_is_one():
    assert DeploymentSpecifications(deployment_timeout=0).deployment_timeout is None
    assert DeploymentSpecifications(deployment_timeout=600).deployment_timeout == 600
    assert GpuResources("NVIDIA_T4").gpu_amount == 1
    assert GpuResources("NVIDIA_T4", None).gpu_amount == 1
    assert GpuResources("NVIDIA_T4_4_16_104").gpu_amount == 4  # instance-style names carry their count
    config = AutoScalingConfig(max_replica_count=4, polling_interval=None, cool_down_period=None)
    assert (config.min_replica_count, config.polling_interval, config.cool_down_period) == (1, 30, 300)


def test_autoscaling_without_a_maximum_says_what_to_do():
    with pytest.raises(ValidationError, match="leave auto_scale_config out"):
        AutoScalingConfig(min_replica_count=1)


@pytest.mark.parametrize("method", ["post", "Put", "head", "HEAD", " get "])
def test_http_method_in_any_case_including_head(method):
    assert CustomWebhook("https://x", method).http_method == method.strip().upper()


@pytest.mark.parametrize(
    "sql",
    [
        "-- drift of the last day\nSELECT 0.2",
        "/* block */ select 1",
        "\n  -- one\n  -- two\n  WITH t AS (SELECT 1 AS v) SELECT v FROM t",
    ],
)
def test_sql_that_starts_with_a_comment(sql):
    assert BuildMetric("m", threshold=sql).threshold == sql
    assert SqlMetric(sql).sql_query == sql


def test_a_comment_alone_is_still_not_sql():
    with pytest.raises(ValidationError, match="neither a number"):
        BuildMetric("m", threshold="-- SELECT 1")


@pytest.mark.parametrize("given,stored", [("main/", "main"), ("./main", "main"), ("/src/", "src"), ("main", "main")])
def test_main_dir_with_a_slash(given, stored):
    assert BuildSpecifications(git_uri=GIT, main_dir=given).main_dir == stored


def test_nested_main_dir_says_where_the_folders_go():
    with pytest.raises(ValidationError, match="git_uri's '#sub/dir'"):
        BuildSpecifications(git_uri=GIT, main_dir="models/main")


def test_server_only_fields_are_accepted_ignored_and_warned(caplog):
    with caplog.at_level(logging.WARNING):
        auto = Automation(
            id="a1",
            name="n",
            model_id="m",
            action=QwakBuildDeploy(BuildSpecifications(git_uri=GIT)),
            is_deleted=False,
            is_sdk_v1=False,
            create_audit=automations.AutomationAudit(user_id="u"),
            jfrog_token_id="t",
            platform_url="https://x.jfrog.io",
        )
    assert auto.name == "n" and not hasattr(auto, "id")
    assert "ignoring id, is_deleted, is_sdk_v1, create_audit, jfrog_token_id, platform_url" in caplog.text


def test_every_resources_proto_gpu_name_is_accepted_with_its_family():
    for name in ("NVIDIA_T4_1_16_60", "NVIDIA_A100_80GB_8_96_1360", "NVIDIA_V100_4_64_240", "NVIDIA_H100_NVL"):
        gpu = GpuResources(gpu_type=name)
        assert gpu.gpu_type.family in GpuType
    assert GpuType("NVIDIA_A100_40GB_2_24_170").family is GpuType.NVIDIA_A100
    assert GpuType("NVIDIA_T4_1_16_60").shape == (1, 16, 60)
    assert GpuType("nvidia_l4").shape is None


def test_stricter_rules_say_what_the_sdk_accepted_and_how_to_write_it_here():
    with pytest.raises(ValidationError) as info:
        BuildMetric("m", threshold=0.65)
    assert "Qwak's SDK would have sent 0.65 as text" in str(info.value)
    assert "quote it ('0.65')" in str(info.value)
    with pytest.raises(ValidationError) as info:
        ScheduledTrigger(cron="every day")
    assert "passes any text to its server unchecked" in str(info.value)
    assert "interval='1d'" in str(info.value)


def test_sdk_submodule_paths():
    from automations.automations import Automation as A2
    from automations.build_and_deploy_action import DeployedBuildMetric
    from automations.build_and_deploy_action import QwakBuildDeploy as Q2
    from automations.common import ThresholdDirection as T2

    assert (A2, Q2, T2) == (Automation, QwakBuildDeploy, ThresholdDirection)
    assert DeployedBuildMetric("auc", 5).direction is ThresholdDirection.ABOVE_OR_EQUALS
