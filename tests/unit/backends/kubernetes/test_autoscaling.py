"""Autoscaling: KEDA ScaledObject against KEDA's published CRD schema, PromQL per metric x aggregation, HPA fallback."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import jsonschema
import kubernetes_validate
import promql_parser
import pytest
import yaml

from automations.backends.kubernetes import autoscaling, deploy, manifests
from automations.environments import Environment
from automations.settings import get_settings
from automations.spec import Automation, AutoScaleQuerySpec
from automations.spec.enums import AggregationType, MetricType

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[4]
KEDA_CRD = ROOT / "tests" / "fixtures" / "schemas" / "keda.sh_scaledobjects.yaml"
ENV = Environment(name="production", conn_id="k8s", namespace="models")
ALL_PAIRS = list(itertools.product(MetricType, AggregationType))


@pytest.fixture(scope="module")
def keda_schema() -> dict:
    crd = yaml.safe_load(KEDA_CRD.read_text())
    assert crd["spec"]["names"]["kind"] == "ScaledObject"
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def automation(scale: dict | None) -> Automation:
    data = {
        "name": "churn",
        "model_id": "churn_model",
        "action": {
            "build_spec": {"git_uri": "https://example.com/m.git#churn"},
            "deployment_spec": {"variation_name": "b", **({"auto_scale_config": scale} if scale else {})},
        },
    }
    return Automation.model_validate(data)


def plan(scale: dict | None, keda: bool = True) -> manifests.DeployPlan:
    changes = {"keda_enabled": keda, "prometheus_url": "http://prom.monitoring:9090"}
    settings = get_settings().replace(kubernetes=changes).kubernetes
    return deploy.plan_for(automation(scale), settings, ENV, "reg/churn_model:abc", "abc", "build-1")


def every_trigger() -> list[dict]:
    return [
        {"query_spec": {"metric_type": m.value, "aggregation_type": a.value, "time_period": 5}, "threshold": 70}
        for m, a in ALL_PAIRS
    ]


SCALE = {"min_replica_count": 0, "max_replica_count": 6, "polling_interval": 15, "cool_down_period": 120,
         "triggers": every_trigger()}


def test_scaled_object_with_every_metric_and_aggregation_matches_the_keda_crd(keda_schema):
    obj = autoscaling.autoscaler(plan(SCALE))
    jsonschema.validate(obj, keda_schema)
    spec = obj["spec"]
    assert (obj["apiVersion"], obj["kind"]) == ("keda.sh/v1alpha1", "ScaledObject")
    assert spec["scaleTargetRef"]["name"] == "churn-model-b"
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, 6)
    assert (spec["pollingInterval"], spec["cooldownPeriod"]) == (15, 120)
    assert len(spec["triggers"]) == len(ALL_PAIRS)
    for trigger in spec["triggers"]:
        assert trigger["type"] == "prometheus"
        assert trigger["metadata"]["serverAddress"] == "http://prom.monitoring:9090"
        assert trigger["metadata"]["threshold"] == "70"


def test_the_crd_schema_check_can_fail(keda_schema):
    obj = autoscaling.autoscaler(plan(SCALE))
    obj["spec"]["minReplicaCount"] = "zero"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(obj, keda_schema)


def test_defaults_polling_30_cooldown_300_and_a_cpu_trigger_when_none_given(keda_schema):
    obj = autoscaling.autoscaler(plan({"min_replica_count": 1, "max_replica_count": 3}))
    jsonschema.validate(obj, keda_schema)
    assert (obj["spec"]["pollingInterval"], obj["spec"]["cooldownPeriod"]) == (30, 300)
    assert obj["spec"]["triggers"] == [{"type": "cpu", "metricType": "Utilization", "metadata": {"value": "80"}}]


@pytest.mark.parametrize("threshold, expected", [(300, "300"), (0.5, "0.5"), (2.0, "2"), ("12.5", "12.5")])
def test_threshold_is_a_string(threshold, expected):
    query = {"metric_type": "latency", "aggregation_type": "p95", "time_period": 5}
    trigger = {"query_spec": query, "threshold": threshold}
    scale = {"min_replica_count": 1, "max_replica_count": 3, "triggers": [trigger]}
    assert autoscaling.autoscaler(plan(scale))["spec"]["triggers"][0]["metadata"]["threshold"] == expected


@pytest.mark.parametrize("metric, aggregation", ALL_PAIRS, ids=[f"{m.value}-{a.value}" for m, a in ALL_PAIRS])
def test_every_query_parses_as_promql_and_looks_at_the_right_window_and_workload(metric, aggregation):
    query = autoscaling.promql(AutoScaleQuerySpec(metric_type=metric, aggregation_type=aggregation, time_period=7),
                               "models", "churn-model-b")
    promql_parser.parse(query)  # raises ValueError on a syntax error
    assert "[7m" in query
    assert 'namespace="models"' in query
    assert "churn-model-b" in query


def test_the_promql_parser_does_reject_bad_queries():
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(x[5m])")


@pytest.mark.parametrize(
    "metric, aggregation, expected",
    [
        ("latency", "p95", 'histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{'
                           'reporter="destination",destination_workload_namespace="models",'
                           'destination_workload="churn-model-b"}[5m])))'),
        ("throughput", "avg", 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace='
                              '"models",destination_workload="churn-model-b"}[5m]))'),
        ("gpu", "max", 'max(max_over_time((avg by (pod) (DCGM_FI_DEV_GPU_UTIL{namespace="models",'
                       'pod=~"churn-model-b-[a-z0-9]+-[a-z0-9]+"}))[5m:1m]))'),
    ],
)
def test_documented_queries(metric, aggregation, expected):
    spec = AutoScaleQuerySpec(metric_type=metric, aggregation_type=aggregation, time_period=5)
    assert autoscaling.promql(spec, "models", "churn-model-b", requests="istio") == expected


SERVER_PODS = 'namespace="models",pod=~"churn-model-b-[a-z0-9]+-[a-z0-9]+",path="/predict"'


@pytest.mark.parametrize(
    "metric, aggregation, expected",
    [
        ("latency", "p95", "1000 * histogram_quantile(0.95, sum by (le) (rate("
                           f"model_server_request_duration_seconds_bucket{{{SERVER_PODS}}}[5m])))"),
        ("latency", "avg", f"1000 * sum(rate(model_server_request_duration_seconds_sum{{{SERVER_PODS}}}[5m]))"
                           f" / sum(rate(model_server_request_duration_seconds_count{{{SERVER_PODS}}}[5m]))"),
        ("error_rate", "avg", f'100 * sum(rate(model_server_requests_total{{{SERVER_PODS},status=~"5.."}}[5m]))'
                              f" / sum(rate(model_server_requests_total{{{SERVER_PODS}}}[5m]))"),
        ("throughput", "avg", f"sum(rate(model_server_requests_total{{{SERVER_PODS}}}[5m]))"),
    ],
)
def test_request_triggers_read_the_model_servers_own_series_by_default(metric, aggregation, expected):
    spec = AutoScaleQuerySpec(metric_type=metric, aggregation_type=aggregation, time_period=5)
    assert autoscaling.promql(spec, "models", "churn-model-b") == expected


@pytest.mark.parametrize("requests", ["server", "istio"])
@pytest.mark.parametrize("metric", [MetricType.latency, MetricType.error_rate, MetricType.throughput])
def test_request_queries_parse_for_both_sources(metric, requests):
    for aggregation in AggregationType:
        spec = AutoScaleQuerySpec(metric_type=metric, aggregation_type=aggregation, time_period=3)
        promql_parser.parse(autoscaling.promql(spec, "ns", "d", requests=requests))


def test_the_server_series_names_match_what_the_server_exports():
    from prometheus_client import generate_latest

    from model_runtime.serve_metrics import Metrics

    metrics = Metrics()
    metrics.observe("/predict", 503, 0.01, 1)
    exported = generate_latest(metrics.registry).decode()
    series = autoscaling.REQUEST_SERIES["server"]
    for name in (series.requests, series.duration + "_bucket", series.duration + "_sum", series.duration + "_count"):
        assert name.split("{")[0] in exported
    assert 'path="/predict",status="503"' in exported


def test_aggregations_differ_per_metric():
    for metric in MetricType:
        queries = {autoscaling.promql(AutoScaleQuerySpec(metric_type=metric, aggregation_type=a, time_period=5),
                                      "ns", "d") for a in AggregationType}
        assert len(queries) == len(AggregationType), metric


def test_cpu_and_memory_are_percent_of_request():
    for metric, resource in (("cpu", 'resource="cpu"'), ("memory", 'resource="memory"')):
        q = autoscaling.promql(AutoScaleQuerySpec(metric_type=metric, aggregation_type="avg", time_period=3), "ns", "d")
        assert q.startswith("avg(avg_over_time((100 * ") and resource in q and 'container="model"' in q


@pytest.mark.parametrize("version", ["1.30", "1.37"])
def test_hpa_fallback_is_valid_autoscaling_v2(version):
    hpa = autoscaling.autoscaler(plan(SCALE, keda=False))
    kubernetes_validate.validate(hpa, version, strict=True)
    spec = hpa["spec"]
    assert (hpa["apiVersion"], hpa["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler")
    assert spec["minReplicas"] == 1  # HPA cannot scale to zero
    assert spec["maxReplicas"] == 6
    assert spec["behavior"]["scaleDown"]["stabilizationWindowSeconds"] == 120
    assert {m["type"] for m in spec["metrics"]} == {"External"}  # the same PromQL as KEDA, via prometheus-adapter
    cpu = next(m for m in spec["metrics"] if m["external"]["metric"]["name"] == "automations_cpu_p95_5m")
    assert cpu["external"]["target"] == {"type": "Value", "value": "70"}


@pytest.mark.parametrize("metric, aggregation", ALL_PAIRS, ids=[f"{m.value}-{a.value}" for m, a in ALL_PAIRS])
def test_keda_and_hpa_use_the_same_target_type_value_for_whole_variation_figures(metric, aggregation):
    trigger = {"query_spec": {"metric_type": metric.value, "aggregation_type": aggregation.value, "time_period": 5},
               "threshold": 70}
    scale = {"min_replica_count": 1, "max_replica_count": 6, "triggers": [trigger]}
    keda = autoscaling.autoscaler(plan(scale))["spec"]["triggers"][0]["metricType"]
    hpa = autoscaling.autoscaler(plan(scale, keda=False))["spec"]["metrics"][0]["external"]["target"]
    assert keda == hpa["type"]
    per_replica = metric is MetricType.throughput or aggregation is AggregationType.sum
    assert keda == ("AverageValue" if per_replica else "Value")
    assert hpa[("averageValue" if per_replica else "value")] == "70"


def test_value_target_scales_on_the_figure_not_on_the_figure_divided_by_replicas():
    # The HPA formula both KEDA and HPA apply: Value -> ceil(replicas * value / threshold);
    # AverageValue -> ceil(value / threshold). An average latency of 140 ms with a 70 ms target at 4 replicas:
    replicas, value, threshold = 4, 140.0, 70.0
    assert math.ceil(replicas * value / threshold) == 8  # Value: doubles the pods, as the user means
    assert math.ceil(value / threshold) == 2  # AverageValue (KEDA's default) would scale 4 pods *down* to 2
    trigger = {"query_spec": {"metric_type": "latency", "aggregation_type": "avg", "time_period": 5}, "threshold": 70}
    scale = {"min_replica_count": 1, "max_replica_count": 9, "triggers": [trigger]}
    assert autoscaling.autoscaler(plan(scale))["spec"]["triggers"][0]["metricType"] == "Value"


def test_hpa_default_metric_when_no_triggers():
    hpa = autoscaling.autoscaler(plan({"min_replica_count": 2, "max_replica_count": 3}, keda=False))
    kubernetes_validate.validate(hpa, "1.30", strict=True)
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_no_autoscaler_without_auto_scale_config():
    assert autoscaling.autoscaler(plan(None)) is None


@pytest.mark.parametrize("requests, series", [("server", "model_server_requests_total"), ("istio", "istio_requests")])
def test_the_request_metrics_setting_picks_the_series_in_the_scaled_object(requests, series):
    changes = {"request_metrics": requests, "prometheus_url": "http://prom:9090"}
    settings = get_settings().replace(kubernetes=changes).kubernetes
    scale = {"min_replica_count": 1, "max_replica_count": 3, "triggers": [
        {"query_spec": {"metric_type": "throughput", "aggregation_type": "avg", "time_period": 2}, "threshold": 50}]}
    plan = deploy.plan_for(automation(scale), settings, ENV, "reg/churn_model:abc", "abc", "build-1")
    (trigger,) = autoscaling.autoscaler(plan)["spec"]["triggers"]
    assert series in trigger["metadata"]["query"]
    annotations = manifests.deployment(plan)["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {"prometheus.io/scrape": "true", "prometheus.io/port": str(plan.port),
                           "prometheus.io/path": "/metrics"}
