"""Polymorphic fields are recognised by their fields or by an explicit ``type:`` holding the class name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta

from automations import (
    Automation,
    BuildMetric,
    ClientResources,
    CpuResources,
    CustomWebhook,
    DeployedBuildMetric,
    GpuResources,
    MetricBasedTrigger,
    NoneTrigger,
    ScheduledTrigger,
    SlackNotification,
)
from automations.spec.fields import parse_interval

pytestmark = pytest.mark.unit


def automation(**overrides) -> Automation:
    data = {"name": "n", "model_id": "m", "action": {"build_spec": {"git_uri": "https://x/y.git"}}}
    data.update(overrides)
    return Automation.model_validate(data)


@pytest.mark.parametrize(
    "trigger,cls",
    [
        ({"cron": "0 * * * *"}, ScheduledTrigger),
        ({"interval": "30m"}, ScheduledTrigger),
        ({"metric": {"sql_query": "select 1"}, "threshold": "0.5"}, MetricBasedTrigger),
        ("none", NoneTrigger),
        ({"type": "NoneTrigger"}, NoneTrigger),
        ({"type": "ScheduledTrigger", "cron": "@daily"}, ScheduledTrigger),
    ],
)
def test_trigger_kinds(trigger, cls):
    assert type(automation(trigger=trigger).trigger) is cls


@pytest.mark.parametrize(
    "resources,cls",
    [
        ({"cpu_fraction": 1, "memory": "1Gi"}, CpuResources),
        ({"gpu_type": "NVIDIA_A100", "gpu_amount": 2}, GpuResources),
        ({"instance": "g5_xlarge"}, ClientResources),
        ({"type": "GpuResources", "gpu_type": "nvidia_l4"}, GpuResources),
    ],
)
def test_resources_kinds(resources, cls):
    spec = automation(action={"build_spec": {"git_uri": "https://x/y.git", "resources": resources}})
    assert type(spec.action.build_spec.resources) is cls


@pytest.mark.parametrize(
    "condition,cls",
    [
        ({"metric_name": "f1", "threshold": "0.5"}, BuildMetric),
        ({"metric_name": "f1", "variation": "default"}, DeployedBuildMetric),
        ({"type": "DeployedBuildMetric", "metric_name": "f1"}, DeployedBuildMetric),
    ],
)
def test_condition_kinds(condition, cls):
    spec = automation(action={"build_spec": {"git_uri": "https://x/y.git"}, "deployment_condition": condition})
    assert type(spec.action.conditions[0]) is cls


@pytest.mark.parametrize("action_type", ["QwakBuildDeploy", "BuildDeploy", "FrogmlBuildDeploy"])
def test_action_aliases(action_type):
    spec = automation(action={"type": action_type, "build_spec": {"git_uri": "https://x/y.git"}})
    assert spec.action.build_spec.git_uri == "https://x/y.git"


def test_wrong_type_for_the_fields_is_an_error():
    with pytest.raises(ValueError, match=r"(?s)data_specifications\n  Field required.*build_spec\n  Extra inputs"):
        automation(action={"type": "BatchExecution", "build_spec": {"git_uri": "https://x/y.git"}})


def test_notifications():
    spec = automation(
        on_error={"webhook": "https://hooks.slack.com/x"}, on_success={"url": "https://x", "http_method": "POST"}
    )
    assert isinstance(spec.on_error, SlackNotification) and isinstance(spec.on_success, CustomWebhook)


@pytest.mark.parametrize(
    "text,delta",
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1d", timedelta(days=1)),
        ("PT6H", timedelta(hours=6)),
        ("P1D", timedelta(days=1)),
        ("hourly", timedelta(hours=1)),
        ("daily", timedelta(days=1)),
        ("weekly", timedelta(weeks=1)),
        ("monthly", relativedelta(months=1)),
    ],
)
def test_intervals(text, delta):
    assert parse_interval(text) == delta


def test_the_unions_code_matches_on_hold_every_class_a_definition_can_name():
    # gate.py, verdict.py, docs.py and schedule.py match on Condition / TriggerKind and end in assert_never, so mypy
    # proves each kind is handled; a class added to the discriminator but not to the union would escape that proof.
    from typing import get_args

    from automations.spec import Condition, TriggerKind
    from automations.spec.conditions import _CONDITIONS
    from automations.spec.triggers import _TRIGGERS

    assert set(get_args(Condition)) == set(_CONDITIONS.values()) == {BuildMetric, DeployedBuildMetric}
    assert set(get_args(TriggerKind)) == set(_TRIGGERS.values()) == {ScheduledTrigger, NoneTrigger, MetricBasedTrigger}
