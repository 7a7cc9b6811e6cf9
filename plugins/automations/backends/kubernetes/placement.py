"""Where a pod runs and what it may use: resources, node selector, node affinity and tolerations.

Pure translation of the definition's resources into Kubernetes JSON (camelCase plain dicts), shared by the build
pod (build.py) and the serving Deployment (deploy side). The GPU, instance and purchase-option tables are shipped
YAML under ``include/config/kubernetes/`` because every cluster labels its nodes differently; the file named by
``AUTOMATIONS_K8S_PLACEMENT_FILE`` overrides entries (top-level keys ``gpu_types``, ``instance_sizes``,
``purchase_options``; ``gpu_types`` may also override ``resource``, ``per_gpu`` and ``tolerations``).

Table entries describe nodes with one small vocabulary:
    match:  {label: value | [values]}  required; one value -> nodeSelector, several -> nodeAffinity ``In``
    avoid:  {label: [values]}          required nodeAffinity ``NotIn``
    prefer: {label: [values]}          preferred nodeAffinity ``In`` (weight 100 each)
    tolerations: [Kubernetes toleration dicts]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ...placement_tables import profiles, tables  # noqa: F401 - profiles is part of this module's interface
from ...quantities import scale_memory
from ...settings import KubernetesSettings
from ...spec import BuildSpecifications, ClientResources, CpuResources, DeploymentSpecifications, GpuResources
from ...spec.enums import GpuType, PurchaseOption

_SELECTOR_KEYS = ("match", "avoid", "prefer", "tolerations")


@dataclass(frozen=True)
class Placement:
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)
    node_selector: dict[str, str] = field(default_factory=dict)
    tolerations: tuple[dict, ...] = ()
    # nodeAffinity pieces: required expressions are ANDed in one term; preferred terms are scored independently.
    required: tuple[dict, ...] = ()
    preferred: tuple[dict, ...] = ()

    @property
    def resources(self) -> dict[str, dict[str, str]]:
        """A container's ``resources`` (V1ResourceRequirements JSON)."""
        return {key: dict(value) for key, value in (("requests", self.requests), ("limits", self.limits)) if value}

    @property
    def affinity(self) -> dict:
        """A pod's ``affinity`` (V1Affinity JSON), ``{}`` when nothing needs more than the node selector."""
        node: dict[str, Any] = {}
        if self.required:
            node["requiredDuringSchedulingIgnoredDuringExecution"] = {
                "nodeSelectorTerms": [{"matchExpressions": [dict(e) for e in self.required]}]
            }
        if self.preferred:
            node["preferredDuringSchedulingIgnoredDuringExecution"] = [dict(p) for p in self.preferred]
        return {"nodeAffinity": node} if node else {}

    @property
    def pod_fields(self) -> dict[str, Any]:
        """The pod spec's ``nodeSelector``, ``affinity`` and ``tolerations``, each only when it holds something:
        the one place that puts a placement into a pod (build pods and serving Deployments alike)."""
        fields = {
            "nodeSelector": dict(self.node_selector),
            "affinity": self.affinity,
            "tolerations": [dict(t) for t in self.tolerations],
        }
        return {key: value for key, value in fields.items() if value}

    def overlay(self, other: Placement) -> Placement:
        """``other`` on top of ``self``: its resources win key by key; selectors and tolerations add up."""
        return Placement(
            requests={**self.requests, **other.requests},
            limits={**self.limits, **other.limits},
            node_selector={**self.node_selector, **other.node_selector},
            tolerations=_unique(self.tolerations + other.tolerations),
            required=_unique(self.required + other.required),
            preferred=_unique(self.preferred + other.preferred),
        )


def _unique(items: tuple[dict, ...]) -> tuple[dict, ...]:
    seen: list[dict] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return tuple(seen)


# ---------------------------------------------------------------------------------------------------- tables


# ---------------------------------------------------------------------------------------------------- selectors


def selector_placement(entry: dict) -> Placement:
    """Translate a table entry's match/avoid/prefer/tolerations into a Placement (no resources)."""
    node_selector: dict[str, str] = {}
    required: list[dict] = []
    for label, value in (entry.get("match") or {}).items():
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        if len(values) == 1:
            node_selector[label] = values[0]
        else:
            required.append(_expression(label, "In", values))
    for label, values in (entry.get("avoid") or {}).items():
        required.append(_expression(label, "NotIn", values))
    preferred = [
        {"weight": 100, "preference": {"matchExpressions": [_expression(label, "In", values)]}}
        for label, values in (entry.get("prefer") or {}).items()
    ]
    return Placement(
        node_selector=node_selector,
        tolerations=tuple(dict(t) for t in entry.get("tolerations") or ()),
        required=tuple(required),
        preferred=tuple(preferred),
    )


def _expression(label: str, operator: str, values: list) -> dict:
    return {"key": label, "operator": operator, "values": [str(v) for v in values]}


# ---------------------------------------------------------------------------------------------------- resources


def cpu_quantity(cpu_fraction: float) -> str:
    """2 -> "2", 0.5 -> "500m", 1.25 -> "1250m" (Kubernetes rejects more precision than a millicore)."""
    millis = round(float(cpu_fraction) * 1000)
    if millis <= 0:
        raise ValueError(f"cpu_fraction {cpu_fraction!r} is below one millicore")
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def for_cpu(cpu_fraction: float, memory: str) -> Placement:
    # requests == limits: Guaranteed QoS, so a long build is the last thing the kubelet evicts.
    resources = {"cpu": cpu_quantity(cpu_fraction), "memory": memory}
    return Placement(requests=dict(resources), limits=dict(resources))


def gpu_entry(gpu_type: GpuType | str, kube: KubernetesSettings) -> dict:
    table = tables(kube)["gpu_types"]
    types = table.get("types", {})
    keys = GpuType(gpu_type).placement_keys  # instance-style names (NVIDIA_T4_1_16_60) run on their family's nodes
    name = next((key for key in keys if key in types), keys[-1])
    if name in types:
        return types[name]
    if "any_type" in table:  # a profile that places every GPU type alike (plain nvidia.com/gpu requests)
        return table["any_type"] or {}
    profile = kube.placement_profile
    raise ValueError(
        f"GPU type {name} is not offered by placement profile {profile!s} "
        f"(AUTOMATIONS_K8S_PLACEMENT_PROFILE); it offers {sorted(types)}"
    )


def for_gpu(
    gpu: GpuResources, kube: KubernetesSettings, cpu_fraction: Optional[float] = None, memory: Optional[str] = None
) -> Placement:
    """GPU count in limits, the type's node labels, and a toleration for the GPU taint."""
    table = tables(kube)["gpu_types"]
    per_gpu = table.get("per_gpu") or {}
    shape = GpuType(gpu.gpu_type).shape  # an instance-style name carries its own vCPUs and memory
    if shape and not cpu_fraction:
        cpu_fraction, memory = float(shape.cpus), memory or f"{shape.memory_gib}Gi"
    cpu = cpu_quantity(cpu_fraction) if cpu_fraction else _scaled_cpu(per_gpu.get("cpu"), gpu.gpu_amount)
    mem = memory or _scaled_memory(per_gpu.get("memory"), gpu.gpu_amount)
    base = Placement(requests={k: v for k, v in (("cpu", cpu), ("memory", mem)) if v})
    base = replace(base, limits={**base.requests, table.get("resource", "nvidia.com/gpu"): str(gpu.gpu_amount)})
    selectors = selector_placement({**gpu_entry(gpu.gpu_type, kube), "tolerations": table.get("tolerations") or []})
    return base.overlay(selectors)


def _scaled_cpu(per_gpu: Any, amount: int) -> str:
    return cpu_quantity(float(per_gpu) * amount) if per_gpu else ""


def _scaled_memory(per_gpu: Any, amount: int) -> str:
    return scale_memory(str(per_gpu), amount) if per_gpu else ""


def known_instances(kube: KubernetesSettings) -> list[str]:
    return sorted(tables(kube)["instance_sizes"])


def for_instance(instance: str, kube: KubernetesSettings) -> Placement:
    """An instance size's resources and node placement; GPU sizes add their GPU type's placement."""
    sizes = tables(kube)["instance_sizes"]
    if instance not in sizes:
        raise ValueError(f"unknown instance {instance!r}; known instances: {', '.join(known_instances(kube))}")
    entry = sizes[instance]
    cpu, memory = float(entry["cpu"]), str(entry["memory"])
    if entry.get("gpu_type"):
        gpu = GpuResources(gpu_type=entry["gpu_type"], gpu_amount=int(entry.get("gpu_amount", 1)))
        placed = for_gpu(gpu, kube, cpu, memory)
    else:
        placed = for_cpu(cpu, memory)
    return placed.overlay(selector_placement({k: v for k, v in entry.items() if k in _SELECTOR_KEYS}))


def for_purchase_option(option: PurchaseOption | str, kube: KubernetesSettings) -> Placement:
    options = tables(kube)["purchase_options"]
    name = PurchaseOption(option).value
    return selector_placement(options.get(name) or {})


def for_resources(resources: Any, kube: KubernetesSettings) -> Placement:
    """CpuResources, GpuResources or ClientResources (whose own cpu/gpu resources override the instance's)."""
    if isinstance(resources, CpuResources):
        return for_cpu(resources.cpu_fraction, resources.memory)
    if isinstance(resources, GpuResources):
        return for_gpu(resources, kube)
    if isinstance(resources, ClientResources):
        placed = for_instance(resources.instance, kube)
        if resources.cpu_resources:
            placed = placed.overlay(for_cpu(resources.cpu_resources.cpu_fraction, resources.cpu_resources.memory))
        if resources.gpu_resources:
            placed = placed.overlay(for_gpu(resources.gpu_resources, kube))
        return placed
    raise TypeError(f"unsupported resources {type(resources).__name__}")


def for_build(spec: BuildSpecifications, kube: KubernetesSettings) -> Placement:
    return for_resources(spec.resources, kube).overlay(for_purchase_option(spec.purchase_option, kube))


def for_deployment(spec: DeploymentSpecifications, kube: KubernetesSettings) -> Placement:
    """Qwak's ``instance`` replaces cpu_fraction/memory/gpu_resources when given."""
    if spec.instance:
        return for_instance(spec.instance, kube)
    if spec.gpu_resources:
        return for_gpu(spec.gpu_resources, kube, spec.cpu_fraction, spec.memory)
    return for_cpu(spec.cpu_fraction, spec.memory)
