"""Closed choices of the definition language, spelled as Qwak spells them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class _CaseInsensitiveEnum(StrEnum):
    @classmethod
    def _missing_(cls, value: Any) -> Any:
        if isinstance(value, str):
            for member in cls:
                if member.name.lower() == value.lower() or member.value.lower() == value.lower():
                    return member
        return None


class ThresholdDirection(_CaseInsensitiveEnum):
    """ABOVE is strictly greater; the *_OR_EQUALS variants include the threshold."""

    ABOVE = "ABOVE"
    BELOW = "BELOW"
    EQUALS = "EQUALS"
    ABOVE_OR_EQUALS = "ABOVE_OR_EQUALS"
    BELOW_OR_EQUALS = "BELOW_OR_EQUALS"

    def compare(self, actual: float, threshold: float) -> bool:
        return {
            ThresholdDirection.ABOVE: actual > threshold,
            ThresholdDirection.BELOW: actual < threshold,
            ThresholdDirection.EQUALS: actual == threshold,
            ThresholdDirection.ABOVE_OR_EQUALS: actual >= threshold,
            ThresholdDirection.BELOW_OR_EQUALS: actual <= threshold,
        }[self]

    @property
    def symbol(self) -> str:
        return {"ABOVE": ">", "BELOW": "<", "EQUALS": "==", "ABOVE_OR_EQUALS": ">=", "BELOW_OR_EQUALS": "<="}[
            self.value
        ]


class GpuType(_CaseInsensitiveEnum):
    """Every GPU name Qwak's protos know (qwak-core 0.7 resources.proto)."""

    NVIDIA_K80 = "NVIDIA_K80"
    NVIDIA_M60 = "NVIDIA_M60"
    NVIDIA_V100 = "NVIDIA_V100"
    NVIDIA_A100 = "NVIDIA_A100"
    NVIDIA_T4 = "NVIDIA_T4"
    NVIDIA_A10 = "NVIDIA_A10"
    NVIDIA_A10G = "NVIDIA_A10G"
    NVIDIA_L4 = "NVIDIA_L4"
    NVIDIA_H100 = "NVIDIA_H100"
    NVIDIA_H100_40GB = "NVIDIA_H100_40GB"
    NVIDIA_H100_80GB = "NVIDIA_H100_80GB"
    NVIDIA_H100_NVL = "NVIDIA_H100_NVL"
    NVIDIA_H100_SXM = "NVIDIA_H100_SXM"


class MetricType(_CaseInsensitiveEnum):
    cpu = "cpu"
    gpu = "gpu"
    memory = "memory"
    latency = "latency"
    error_rate = "error_rate"
    throughput = "throughput"


class AggregationType(_CaseInsensitiveEnum):
    min = "min"
    max = "max"
    avg = "avg"
    sum = "sum"
    p50 = "p50"
    p90 = "p90"
    p95 = "p95"
    p99 = "p99"


class PurchaseOption(_CaseInsensitiveEnum):
    spot = "spot"
    ondemand = "ondemand"
