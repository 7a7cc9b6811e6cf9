"""Closed choices of the definition language, spelled as Qwak spells them."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, NamedTuple, Optional

# The SDK's integer values (qwak-core 0.7 / frogml 2.1: ``ThresholdDirection(1)``, the proto numbers of
# MetricType and AggregationType), so ``ThresholdDirection(1)`` means what it means there.
_SDK_NUMBERS: dict[str, dict[int, str]] = {
    "ThresholdDirection": {1: "ABOVE", 2: "BELOW", 3: "EQUALS", 4: "BELOW_OR_EQUALS", 5: "ABOVE_OR_EQUALS"},
    "MetricType": {1: "cpu", 2: "memory", 3: "latency", 4: "gpu", 5: "error_rate", 6: "throughput"},
    "AggregationType": {1: "min", 2: "max", 3: "avg", 4: "sum", 5: "p50", 6: "p90", 7: "p95", 8: "p99"},
}


class _CaseInsensitiveEnum(StrEnum):
    @classmethod
    def _missing_(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            name = _SDK_NUMBERS.get(cls.__name__, {}).get(value)
            return cls[name] if name else None
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


class GpuShape(NamedTuple):
    """What an instance-style GPU name (``NVIDIA_T4_1_16_60``) spells: GPUs, vCPUs and GiB of memory."""

    gpus: int
    cpus: int
    memory_gib: int


_SHAPE = re.compile(r"^(?P<family>.+?)_(?P<gpus>\d+)_(?P<cpus>\d+)_(?P<memory>\d+)$")


class GpuType(_CaseInsensitiveEnum):
    """Every GPU name Qwak's protos know (qwak-core 0.7 / frogml 2.1 ``resources.proto`` GpuType, including the
    instance-style names), plus H100 names only the docs use. The automation protocol's own GpuType knows just
    K80, V100, A100, T4, A10G and L4: the SDKs cannot serialize the others in a build's resources, we accept them."""

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
    NVIDIA_T4_1_4_15 = "NVIDIA_T4_1_4_15"
    NVIDIA_T4_1_8_30 = "NVIDIA_T4_1_8_30"
    NVIDIA_T4_1_16_60 = "NVIDIA_T4_1_16_60"
    NVIDIA_T4_4_16_104 = "NVIDIA_T4_4_16_104"
    NVIDIA_T4_4_32_208 = "NVIDIA_T4_4_32_208"
    NVIDIA_A100_80GB_8_96_1360 = "NVIDIA_A100_80GB_8_96_1360"
    NVIDIA_A100_40GB_1_12_85 = "NVIDIA_A100_40GB_1_12_85"
    NVIDIA_A100_40GB_2_24_170 = "NVIDIA_A100_40GB_2_24_170"
    NVIDIA_A100_40GB_4_48_340 = "NVIDIA_A100_40GB_4_48_340"
    NVIDIA_V100_1_8_52 = "NVIDIA_V100_1_8_52"
    NVIDIA_V100_2_16_104 = "NVIDIA_V100_2_16_104"
    NVIDIA_V100_4_32_208 = "NVIDIA_V100_4_32_208"
    NVIDIA_V100_4_64_240 = "NVIDIA_V100_4_64_240"
    NVIDIA_L4_4_48_192 = "NVIDIA_L4_4_48_192"

    @property
    def shape(self) -> Optional[GpuShape]:
        """GPUs, vCPUs and memory for instance-style names; None for plain GPU names."""
        match = _SHAPE.match(self.value)
        return GpuShape(int(match["gpus"]), int(match["cpus"]), int(match["memory"])) if match else None

    @property
    def placement_keys(self) -> tuple[str, ...]:
        """Placement-table keys to try, most specific first: an instance-style name's memory variant
        (``NVIDIA_A100_80GB_8_96_1360`` -> ``NVIDIA_A100_80GB``), then its family, so an 80GB request never lands on
        a 40GB node of the same family where the table tells them apart."""
        match = _SHAPE.match(self.value)
        family = self.family.value
        return (match["family"], family) if match and match["family"] != family else (family,)

    @property
    def family(self) -> GpuType:
        """The plain GPU name whose nodes serve this type (``NVIDIA_A100_40GB_1_12_85`` -> ``NVIDIA_A100``)."""
        match = _SHAPE.match(self.value)
        if not match:
            return self
        name = match["family"]
        return GpuType(name) if name in GpuType.__members__ else GpuType(re.sub(r"_\d+GB$", "", name))


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
