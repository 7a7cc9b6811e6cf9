"""Every validation rule of the definition language gives a clear error at the right field path."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from automations import Automation
from automations.errors import from_validation_error

pytestmark = pytest.mark.unit

BASE = {
    "name": "ok_name",
    "model_id": "model_1",
    "trigger": {"cron": "0 0 * * *"},
    "action": {"build_spec": {"git_uri": "https://github.com/x/y.git#models/a"}},
}


def with_(path: str, value) -> dict:
    data = copy.deepcopy(BASE)
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return data


def problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        Automation.model_validate(data)
    return [(e.path, e.reason) for e in from_validation_error("f.yaml", info.value)]


CASES = [
    ("unknown field", with_("action.build_spec.git_brnach", "main"), "action.build_spec.git_brnach", "Extra inputs"),
    (
        "float threshold",
        with_("action.deployment_condition", {"metric_name": "f1", "threshold": 0.65}),
        "action.deployment_condition.0.threshold",
        "must be a string",
    ),
    (
        "word threshold",
        with_("action.deployment_condition", {"metric_name": "f1", "threshold": "high"}),
        "action.deployment_condition.0.threshold",
        "neither a number",
    ),
    ("bad cron", with_("trigger", {"cron": "61 * * * *"}), "trigger.cron", "not a valid cron"),
    ("bad interval", with_("trigger", {"interval": "fortnightly"}), "trigger.interval", "not understood"),
    ("cron and interval", with_("trigger", {"cron": "0 0 * * *", "interval": "1h"}), "trigger", "exactly one"),
    (
        "gpu type",
        with_("action.build_spec.resources", {"gpu_type": "NVIDIA_GTX1080", "gpu_amount": 1}),
        "action.build_spec.resources.gpu_type",
        "NVIDIA_T4",
    ),
    (
        "metric type",
        with_(
            "action.deployment_spec",
            {
                "auto_scale_config": {
                    "min_replica_count": 1,
                    "max_replica_count": 2,
                    "triggers": [
                        {
                            "query_spec": {"metric_type": "disk", "aggregation_type": "avg", "time_period": 5},
                            "threshold": 1,
                        }
                    ],
                }
            },
        ),
        "action.deployment_spec.auto_scale_config.triggers.0.query_spec.metric_type",
        "cpu",
    ),
    (
        "aggregation type",
        with_(
            "action.deployment_spec",
            {
                "auto_scale_config": {
                    "min_replica_count": 1,
                    "max_replica_count": 2,
                    "triggers": [
                        {
                            "query_spec": {"metric_type": "cpu", "aggregation_type": "median", "time_period": 5},
                            "threshold": 1,
                        }
                    ],
                }
            },
        ),
        "action.deployment_spec.auto_scale_config.triggers.0.query_spec.aggregation_type",
        "p95",
    ),
    (
        "memory word",
        with_("action.deployment_spec", {"memory": "lots"}),
        "action.deployment_spec.memory",
        "whole amount",
    ),
    (
        "memory fraction",
        with_("action.build_spec.resources", {"cpu_fraction": 1, "memory": "1.5Gi"}),
        "action.build_spec.resources.memory",
        "whole amount",
    ),
    ("env var", with_("action.build_spec.env_vars", ["NOEQUALS"]), "action.build_spec.env_vars", "KEY=VALUE"),
    (
        "min > max",
        with_("action.deployment_spec", {"auto_scale_config": {"min_replica_count": 5, "max_replica_count": 2}}),
        "action.deployment_spec.auto_scale_config",
        "greater than max_replica_count",
    ),
    (
        "negative pods",
        with_("action.deployment_spec", {"number_of_pods": -1}),
        "action.deployment_spec.number_of_pods",
        "greater than or equal to 0",
    ),
    (
        "negative timeout",
        with_("action.build_spec.provision_instance_timeout", -5),
        "action.build_spec.provision_instance_timeout",
        "greater than or equal to 0",
    ),
    ("bad dag id", with_("name", "has spaces!"), "name", "not a valid Airflow dag_id"),
    (
        "git scheme",
        with_("action.build_spec.git_uri", "ftp://example.com/x.git"),
        "action.build_spec.git_uri",
        "must be https",
    ),
    (
        "absolute subdir",
        with_("action.build_spec.git_uri", "https://x/y.git#/etc"),
        "action.build_spec.git_uri",
        "relative",
    ),
    (
        "dotdot subdir",
        with_("action.build_spec.git_uri", "https://x/y.git#a/../../b"),
        "action.build_spec.git_uri",
        "'..'",
    ),
    (
        "ext transport",
        with_("action.build_spec.git_uri", "ext::sh -c touch% /tmp/pwned"),
        "action.build_spec.git_uri",
        "option or transport",
    ),
    (
        "option uri",
        with_("action.build_spec.git_uri", "--upload-pack=touch /tmp/x"),
        "action.build_spec.git_uri",
        "option or transport",
    ),
    (
        "option branch",
        with_("action.build_spec.git_branch", "--upload-pack=evil"),
        "action.build_spec.git_branch",
        "git option",
    ),
    (
        "bad branch",
        with_("action.build_spec.git_branch", "a..b"),
        "action.build_spec.git_branch",
        "not a valid git branch",
    ),
    (
        "unknown trigger kind",
        with_("trigger", {"type": "WebhookTrigger"}),
        "trigger",
        "cannot tell which kind of trigger",
    ),
    (
        "both timeout spellings",
        with_("action.deployment_spec", {"deployment_timeout": 5, "deployment_process_timeout_limit": 5}),
        "action.deployment_spec",
        "not both",
    ),
]


@pytest.mark.parametrize("data,path,reason", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_reports_field_path_and_reason(data, path, reason):
    found = problems(data)
    assert any(p == path and reason in r for p, r in found), found


def test_a_valid_definition_has_qwak_defaults():
    spec = Automation.model_validate(BASE)
    build, deploy = spec.action.build_spec, spec.action.deployment_spec
    assert (build.git_branch, build.main_dir, build.push_image, build.purchase_option.value) == (
        "main",
        "main",
        True,
        "spot",
    )
    assert (build.resources.cpu_fraction, build.resources.memory, build.provision_instance_timeout) == (2, "2Gi", 120)
    assert (deploy.number_of_http_server_workers, deploy.http_request_timeout_ms, deploy.max_batch_size) == (2, 5000, 1)
    assert (deploy.variation_name, deploy.number_of_pods, deploy.daemon_mode) == ("default", 2, False)
    assert (spec.is_enabled, spec.execute_immediately) == (True, False)


@pytest.mark.parametrize("spelling", ["deployment_timeout", "deployment_process_timeout_limit"])
def test_both_timeout_spellings_are_accepted(spelling):
    spec = Automation.model_validate(with_(f"action.deployment_spec.{spelling}", 90))
    assert spec.action.deployment_spec.deployment_timeout == 90
    assert spec.action.deployment_spec.deployment_process_timeout_limit == 90


@pytest.mark.parametrize("given,normalised", [("2Gi", "2Gi"), ("512Mi", "512Mi"), ("2GiB", "2Gi"), ("512MiB", "512Mi")])
def test_memory_spellings_normalise_to_kubernetes_quantities(given, normalised):
    spec = Automation.model_validate(with_("action.deployment_spec.memory", given))
    assert spec.action.deployment_spec.memory == normalised


@pytest.mark.parametrize(
    "threshold", ["0.65", "-1", "1e-3", "SELECT avg(value) FROM build_metrics", "with x as (select 1) select * from x"]
)
def test_threshold_strings_accept_numbers_and_sql(threshold):
    data = with_("action.deployment_condition", {"metric_name": "f1", "threshold": threshold})
    assert Automation.model_validate(data).action.conditions[0].threshold == threshold
