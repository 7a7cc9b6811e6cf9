"""Autoscaling: a KEDA ScaledObject with one prometheus trigger per AutoScalingPrometheusTrigger, or an
``autoscaling/v2`` HorizontalPodAutoscaler when KEDA is disabled (``AUTOMATIONS_KEDA_ENABLED=false``).

PromQL per metric_type (T = time_period minutes; D = the variation's Deployment; N = its namespace):

resource metrics, one series per pod, then aggregated across pods:
- cpu (% of the CPU request):
    100 * rate(container_cpu_usage_seconds_total[1m]) / kube_pod_container_resource_requests{resource="cpu"}
- memory (% of the memory request):
    100 * container_memory_working_set_bytes / kube_pod_container_resource_requests{resource="memory"}
- gpu (% utilisation, DCGM exporter): DCGM_FI_DEV_GPU_UTIL
  min|max|avg -> <agg>(<agg>_over_time(S[Tm:1m])); sum -> sum(avg_over_time(S[Tm:1m]));
  pXX -> quantile(0.XX, quantile_over_time(0.XX, S[Tm:1m])).
request metrics, one series per variation, from the model server's own /metrics by default
(``AUTOMATIONS_K8S_REQUEST_METRICS=server``: model_server_requests_total / model_server_request_duration_seconds of
path="/predict", pods of D in N, no mesh needed) or from Istio's standard metrics (``=istio``: istio_requests_total /
istio_request_duration_milliseconds, reporter="destination", destination_workload=D):
- latency (ms):  avg -> sum(rate(<duration>_sum[Tm])) / sum(rate(..._count[Tm]));
                 pXX -> histogram_quantile(0.XX, sum by (le) (rate(..._bucket[Tm])));
                 min|max -> <agg>_over_time(<1-minute p50>[Tm:1m]); sum -> sum(increase(..._sum[Tm])).
                 The server's histogram is in seconds: its queries are multiplied by 1000.
- error_rate (% of responses that are 5xx): avg -> over the whole window; other aggregations over 1-minute rates.
- throughput (requests/s): avg -> sum(rate(<requests>[Tm])); sum -> sum(increase(...[Tm])) (requests in T);
                 min|max|pXX -> over 1-minute rates.

What a threshold means (the target type, the same on both paths, see ``target_type``):
- ``Value`` for every query that is already one figure for the whole variation (avg/min/max/percentiles of cpu,
  memory, gpu, latency, error_rate): the autoscaler wants ``replicas * value / threshold`` pods, so the value is
  held near the threshold whatever the replica count. KEDA's default, ``AverageValue``, would divide an average by
  the replica count again and scale on a figure that shrinks as pods are added.
- ``AverageValue`` for totals (throughput, and any ``sum``): the threshold is *per replica* (requests/s per pod),
  the autoscaler wants ``total / threshold`` pods.

HPA fallback (``AUTOMATIONS_KEDA_ENABLED=false``): every trigger becomes an ``External`` metric with the same
target type, named ``automations_<metric>_<aggregation>_<T>m`` and selected by ``{namespace, deployment}`` labels;
a prometheus-adapter rule must serve it with the PromQL above, so both paths compute the same figure. HPA cannot
scale to zero: minReplicas >= 1. An auto_scale_config with no triggers scales on CPU utilisation at 80% of the
request, averaged over pods (KEDA ``cpu`` trigger / HPA ``Resource``: both read metrics-server).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from ...spec import AutoScaleQuerySpec, AutoScalingPrometheusTrigger
from ...spec.enums import AggregationType, MetricType

if TYPE_CHECKING:
    from .manifests import DeployPlan

_POD_SERIES = {
    MetricType.cpu: (
        '100 * sum by (pod) (rate(container_cpu_usage_seconds_total{{{pods},container="{container}"}}[1m]))'
        ' / sum by (pod) (kube_pod_container_resource_requests{{{pods},container="{container}",resource="cpu"}})'
    ),
    MetricType.memory: (
        '100 * sum by (pod) (container_memory_working_set_bytes{{{pods},container="{container}"}})'
        ' / sum by (pod) (kube_pod_container_resource_requests{{{pods},container="{container}",resource="memory"}})'
    ),
    MetricType.gpu: "avg by (pod) (DCGM_FI_DEV_GPU_UTIL{{{pods}}})",
}


@dataclass(frozen=True)
class RequestSeries:
    """Where request counts and durations come from; ``{sel}`` is replaced by the selector of one variation."""

    requests: str
    errors: str
    duration: str  # histogram name, without _bucket/_sum/_count
    duration_sel: str
    to_ms: str  # prefix that turns the duration's unit into milliseconds


REQUEST_SERIES = {
    "server": RequestSeries(
        requests='model_server_requests_total{{{pods},path="/predict"}}',
        errors='model_server_requests_total{{{pods},path="/predict",status=~"5.."}}',
        duration="model_server_request_duration_seconds",
        duration_sel='{pods},path="/predict"',
        to_ms="1000 * ",
    ),
    "istio": RequestSeries(
        requests="istio_requests_total{{{workload}}}",
        errors='istio_requests_total{{{workload},response_code=~"5.."}}',
        duration="istio_request_duration_milliseconds",
        duration_sel="{workload}",
        to_ms="",
    ),
}


def _one_minute(r: RequestSeries) -> dict[MetricType, str]:
    """A request metric as one series sampled per minute (used for min/max/percentiles over the window)."""
    bucket = r.duration + "_bucket{{" + r.duration_sel + "}}"
    return {
        MetricType.latency: f"{r.to_ms}histogram_quantile(0.5, sum by (le) (rate({bucket}[1m])))",
        MetricType.error_rate: f"100 * sum(rate({r.errors}[1m])) / sum(rate({r.requests}[1m]))",
        MetricType.throughput: f"sum(rate({r.requests}[1m]))",
    }


def _window(r: RequestSeries) -> dict[tuple[MetricType, AggregationType], str]:
    """Aggregations a request metric answers directly over the whole window (more exact than sub-sampling)."""
    total, count = r.duration + "_sum{{" + r.duration_sel + "}}", r.duration + "_count{{" + r.duration_sel + "}}"
    return {
        (MetricType.latency, AggregationType.avg): (
            f"{r.to_ms}sum(rate({total}[{{t}}m])) / sum(rate({count}[{{t}}m]))"
        ),
        (MetricType.latency, AggregationType.sum): f"{r.to_ms}sum(increase({total}[{{t}}m]))",
        (MetricType.error_rate, AggregationType.avg): (
            f"100 * sum(rate({r.errors}[{{t}}m])) / sum(rate({r.requests}[{{t}}m]))"
        ),
        (MetricType.throughput, AggregationType.avg): f"sum(rate({r.requests}[{{t}}m]))",
        (MetricType.throughput, AggregationType.sum): f"sum(increase({r.requests}[{{t}}m]))",
    }


# An auto_scale_config without triggers still needs one (KEDA requires minItems 1): scale on CPU like a plain HPA.
DEFAULT_CPU_UTILIZATION = 80
_QUANTILES = {AggregationType.p50: 0.5, AggregationType.p90: 0.9, AggregationType.p95: 0.95, AggregationType.p99: 0.99}


def _selectors(namespace: str, deployment: str, container: str) -> dict[str, str]:
    # Pods of a Deployment are named <deployment>-<replicaset hash>-<pod hash>.
    return {
        "pods": f'namespace="{namespace}",pod=~"{deployment}-[a-z0-9]+-[a-z0-9]+"',
        "workload": f'reporter="destination",destination_workload_namespace="{namespace}",'
        f'destination_workload="{deployment}"',
        "container": container,
    }


def promql(
    query: AutoScaleQuerySpec, namespace: str, deployment: str, container: str = "model", requests: str = "server"
) -> str:
    """The single-value PromQL query KEDA evaluates for one trigger (see the module docstring for the table).

    ``requests``: "server" (the model server's /metrics) or "istio", for latency, error_rate and throughput.
    """
    sel = _selectors(namespace, deployment, container)
    metric, agg, minutes = MetricType(query.metric_type), AggregationType(query.aggregation_type), query.time_period
    if metric in _POD_SERIES:
        return _pod_query(_POD_SERIES[metric].format(**sel), agg, minutes)
    series = REQUEST_SERIES[requests]
    window = _window(series).get((metric, agg))
    if window:
        return window.format(t=minutes, **sel)
    if metric is MetricType.latency and agg in _QUANTILES:
        bucket = series.duration + "_bucket{" + series.duration_sel.format(**sel) + "}"
        return f"{series.to_ms}histogram_quantile({_QUANTILES[agg]}, sum by (le) (rate({bucket}[{minutes}m])))"
    return _over_time(_one_minute(series)[metric].format(**sel), agg, minutes)


def _over_time(series: str, agg: AggregationType, minutes: int) -> str:
    window = f"({series})[{minutes}m:1m]"
    if agg in _QUANTILES:
        return f"quantile_over_time({_QUANTILES[agg]}, {window})"
    return f"{agg.value}_over_time({window})"


def _pod_query(series: str, agg: AggregationType, minutes: int) -> str:
    if agg is AggregationType.sum:
        return f"sum(avg_over_time(({series})[{minutes}m:1m]))"
    if agg in _QUANTILES:
        return f"quantile({_QUANTILES[agg]}, {_over_time(series, agg, minutes)})"
    return f"{agg.value}({_over_time(series, agg, minutes)})"


def trigger_name(trigger: AutoScalingPrometheusTrigger) -> str:
    spec = trigger.query_spec
    return f"{MetricType(spec.metric_type).value}-{AggregationType(spec.aggregation_type).value}".replace("_", "-")


def target_type(query: AutoScaleQuerySpec) -> str:
    """``AverageValue`` for totals (the threshold is per replica), ``Value`` for figures of the whole variation."""
    metric, agg = MetricType(query.metric_type), AggregationType(query.aggregation_type)
    return "AverageValue" if metric is MetricType.throughput or agg is AggregationType.sum else "Value"


def _threshold(trigger: AutoScalingPrometheusTrigger) -> str:
    # KEDA wants a string; keep the user's spelling for strings, and drop a useless ".0" from whole floats.
    value = trigger.threshold
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def scaled_object(plan: DeployPlan) -> dict[str, Any]:
    from .manifests import CONTAINER, variation_labels

    config = plan.autoscaling
    assert config is not None
    triggers = [
        {
            "type": "prometheus",
            "name": trigger_name(trigger),
            "metricType": target_type(trigger.query_spec),
            "metadata": {
                "serverAddress": plan.prometheus_url,
                "query": promql(
                    trigger.query_spec, plan.namespace, plan.deployment_name, CONTAINER, plan.request_metrics
                ),
                "threshold": _threshold(trigger),
            },
        }
        for trigger in config.triggers
    ] or [{"type": "cpu", "metricType": "Utilization", "metadata": {"value": str(DEFAULT_CPU_UTILIZATION)}}]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": plan.deployment_name, "namespace": plan.namespace, "labels": variation_labels(plan)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": plan.deployment_name},
            "minReplicaCount": config.min_replica_count,
            "maxReplicaCount": config.max_replica_count,
            "pollingInterval": config.polling_interval,
            "cooldownPeriod": config.cool_down_period,
            "triggers": triggers,
        },
    }


def _hpa_metric(trigger: AutoScalingPrometheusTrigger, plan: DeployPlan) -> dict[str, Any]:
    spec = trigger.query_spec
    metric, agg = MetricType(spec.metric_type), AggregationType(spec.aggregation_type)
    selector = {"matchLabels": {"namespace": plan.namespace, "deployment": plan.deployment_name}}
    kind = target_type(spec)
    value_key = "averageValue" if kind == "AverageValue" else "value"
    return {
        "type": "External",
        "external": {
            "metric": {"name": f"automations_{metric.value}_{agg.value}_{spec.time_period}m", "selector": selector},
            "target": {"type": kind, value_key: _threshold(trigger)},
        },
    }


def _default_hpa_metric() -> dict[str, Any]:
    target = {"type": "Utilization", "averageUtilization": DEFAULT_CPU_UTILIZATION}
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


def horizontal_pod_autoscaler(plan: DeployPlan) -> dict[str, Any]:
    from .manifests import variation_labels

    config = plan.autoscaling
    assert config is not None
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": plan.deployment_name},
        "minReplicas": max(1, config.min_replica_count),
        "maxReplicas": config.max_replica_count,
        "metrics": [_hpa_metric(trigger, plan) for trigger in config.triggers] or [_default_hpa_metric()],
        # KEDA's cooldownPeriod has no HPA twin; the scale-down stabilisation window is the closest meaning.
        "behavior": {"scaleDown": {"stabilizationWindowSeconds": min(config.cool_down_period, 3600)}},
    }
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": plan.deployment_name, "namespace": plan.namespace, "labels": variation_labels(plan)},
        "spec": spec,
    }


def autoscaler(plan: DeployPlan) -> Optional[dict[str, Any]]:
    """The autoscaler object for the plan, or None when the spec has no auto_scale_config."""
    if plan.autoscaling is None:
        return None
    return scaled_object(plan) if plan.keda_enabled else horizontal_pod_autoscaler(plan)
