"""Placement: definition resources -> Kubernetes resources, selectors, affinity and tolerations."""

from __future__ import annotations

import pytest
import yaml

from automations.backends.kubernetes import placement
from automations.settings import get_settings
from automations.spec import BuildSpecifications, ClientResources, CpuResources, DeploymentSpecifications, GpuResources
from automations.spec.enums import GpuType, PurchaseOption

pytestmark = pytest.mark.unit


def kube():
    """The kubernetes slice as the environment sets it now (tests change AUTOMATIONS_K8S_* with monkeypatch)."""
    return get_settings().kubernetes


GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv("AUTOMATIONS_K8S_PLACEMENT_FILE", raising=False)


def _build(**fields) -> BuildSpecifications:
    return BuildSpecifications(git_uri="https://example.com/repo.git#models/m", **fields)


@pytest.mark.parametrize("fraction, expected", [(2, "2"), (0.5, "500m"), (1.25, "1250m"), (0.001, "1m"), (16.0, "16")])
def test_cpu_quantity(fraction, expected):
    assert placement.cpu_quantity(fraction) == expected


def test_cpu_quantity_below_a_millicore_is_refused():
    with pytest.raises(ValueError, match="millicore"):
        placement.cpu_quantity(0.0001)


def test_for_cpu_is_guaranteed_qos():
    p = placement.for_cpu(0.5, "512Mi")
    assert p.requests == p.limits == {"cpu": "500m", "memory": "512Mi"}
    assert p.node_selector == {} and p.tolerations == () and p.affinity == {}


@pytest.mark.parametrize("gpu_type", list(GpuType))
def test_every_qwak_gpu_type_has_a_mapping_that_selects_nodes(gpu_type):
    entry = placement.gpu_entry(gpu_type, kube())
    assert entry.get("match"), f"{gpu_type.value} selects no node label"
    p = placement.for_gpu(GpuResources(gpu_type=gpu_type, gpu_amount=2), kube())
    assert p.limits["nvidia.com/gpu"] == "2"
    assert "nvidia.com/gpu" not in p.requests  # Kubernetes defaults extended-resource requests to the limit
    assert GPU_TOLERATION in p.tolerations
    assert p.node_selector or p.required, f"{gpu_type.value} would land on any node"


def test_gpu_table_has_no_entries_for_unknown_types():
    names = set(placement.tables(kube())["gpu_types"]["types"])
    assert names == {key for t in GpuType for key in t.placement_keys}


def test_instance_style_gpu_name_places_on_its_family_with_its_own_size():
    p = placement.for_gpu(GpuResources(gpu_type="NVIDIA_T4_4_16_104"), kube())
    assert p.limits["nvidia.com/gpu"] == "4"
    assert p.requests == {"cpu": "16", "memory": "104Gi"}
    assert p.node_selector == {"nvidia.com/gpu.product": "Tesla-T4"}


def test_single_product_becomes_node_selector_and_several_become_affinity():
    t4 = placement.for_gpu(GpuResources(gpu_type="NVIDIA_T4"), kube())
    assert t4.node_selector == {"nvidia.com/gpu.product": "Tesla-T4"}
    a100 = placement.for_gpu(GpuResources(gpu_type="NVIDIA_A100"), kube())
    terms = a100.affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [
        {
            "matchExpressions": [
                {
                    "key": "nvidia.com/gpu.product",
                    "operator": "In",
                    "values": [
                        "NVIDIA-A100-SXM4-40GB",
                        "NVIDIA-A100-SXM4-80GB",
                        "NVIDIA-A100-PCIE-40GB",
                        "NVIDIA-A100-80GB-PCIe",
                    ],
                }
            ]
        }
    ]


def test_gpu_cpu_and_memory_default_per_gpu_and_can_be_given():
    default = placement.for_gpu(GpuResources(gpu_type="NVIDIA_L4", gpu_amount=2), kube())
    assert default.requests == {"cpu": "6", "memory": "24Gi"}
    given = placement.for_gpu(GpuResources(gpu_type="NVIDIA_L4"), kube(), cpu_fraction=1.5, memory="6Gi")
    assert given.requests == {"cpu": "1500m", "memory": "6Gi"}
    assert given.limits == {"cpu": "1500m", "memory": "6Gi", "nvidia.com/gpu": "1"}


@pytest.mark.parametrize("instance", placement.known_instances(kube()))
def test_every_instance_size_has_resources(instance):
    p = placement.for_instance(instance, kube())
    assert p.requests["cpu"] and p.requests["memory"].endswith(("Gi", "Mi"))
    entry = placement.tables(kube())["instance_sizes"][instance]
    if entry.get("gpu_type"):
        assert p.limits["nvidia.com/gpu"] == str(entry.get("gpu_amount", 1))
        assert p.node_selector["node.kubernetes.io/instance-type"] == instance.replace("_", ".")
        assert GPU_TOLERATION in p.tolerations


def test_unknown_instance_names_the_known_ones():
    with pytest.raises(ValueError) as err:
        placement.for_instance("galactic", kube())
    assert "galactic" in str(err.value) and "small" in str(err.value) and "g5_xlarge" in str(err.value)


def test_spot_prefers_and_tolerates_spot_without_requiring_it():
    p = placement.for_purchase_option(PurchaseOption.spot, kube())
    assert p.node_selector == {} and p.required == ()
    keys = {term["preference"]["matchExpressions"][0]["key"] for term in p.preferred}
    assert "karpenter.sh/capacity-type" in keys
    assert any(t["key"] == "karpenter.sh/capacity-type" and t["value"] == "spot" for t in p.tolerations)


def test_ondemand_requires_a_node_that_is_not_spot():
    p = placement.for_purchase_option("ondemand", kube())
    assert {"key": "karpenter.sh/capacity-type", "operator": "NotIn", "values": ["spot"]} in p.required
    assert p.tolerations == ()


def test_for_build_combines_resources_and_purchase_option():
    spec = _build(resources={"gpu_type": "NVIDIA_T4", "gpu_amount": 1}, purchase_option="ondemand")
    p = placement.for_build(spec, kube())
    assert p.limits["nvidia.com/gpu"] == "1"
    assert p.node_selector == {"nvidia.com/gpu.product": "Tesla-T4"}
    expressions = p.affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    assert {"key": "karpenter.sh/capacity-type", "operator": "NotIn", "values": ["spot"]} in expressions[
        "matchExpressions"
    ]


def test_client_resources_cpu_overrides_the_instance():
    res = ClientResources(instance="large", cpu_resources=CpuResources(cpu_fraction=1, memory="1Gi"))
    assert placement.for_resources(res, kube()).requests == {"cpu": "1", "memory": "1Gi"}
    assert placement.for_resources(ClientResources(instance="large"), kube()).requests == {"cpu": "4", "memory": "14Gi"}


def test_for_deployment_cpu_gpu_and_instance():
    assert placement.for_deployment(DeploymentSpecifications(cpu_fraction=1, memory="1Gi"), kube()).limits == {
        "cpu": "1",
        "memory": "1Gi",
    }
    gpu = placement.for_deployment(
        DeploymentSpecifications(gpu_resources={"gpu_type": "NVIDIA_A10G"}, cpu_fraction=2, memory="8Gi"), kube()
    )
    assert gpu.limits == {"cpu": "2", "memory": "8Gi", "nvidia.com/gpu": "1"}
    assert (
        placement.for_deployment(DeploymentSpecifications(instance="g5_xlarge"), kube()).node_selector[
            "node.kubernetes.io/instance-type"
        ]
        == "g5.xlarge"
    )
    with pytest.raises(ValueError, match="known instances"):
        placement.for_deployment(DeploymentSpecifications(instance="nope"), kube())


def test_override_file_replaces_entries_and_adds_sizes(tmp_path, monkeypatch):
    override = tmp_path / "placement.yaml"
    override.write_text(
        yaml.safe_dump(
            {
                "gpu_types": {
                    "types": {"NVIDIA_T4": {"match": {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}}}
                },
                "instance_sizes": {"tiny": {"cpu": "0.25", "memory": "256Mi"}},
                "purchase_options": {"spot": {"match": {"cloud.google.com/gke-spot": "true"}}},
            }
        )
    )
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_FILE", str(override))
    assert placement.for_gpu(GpuResources(gpu_type="NVIDIA_T4"), kube()).node_selector == {
        "cloud.google.com/gke-accelerator": "nvidia-tesla-t4"
    }
    assert placement.for_gpu(GpuResources(gpu_type="NVIDIA_L4"), kube()).node_selector == {
        "nvidia.com/gpu.product": "NVIDIA-L4"
    }
    assert placement.for_instance("tiny", kube()).requests == {"cpu": "250m", "memory": "256Mi"}
    assert placement.for_instance("small", kube()).requests["cpu"] == "1"
    assert placement.for_purchase_option("spot", kube()).node_selector == {"cloud.google.com/gke-spot": "true"}


def test_override_file_with_unknown_table_is_refused(tmp_path, monkeypatch):
    override = tmp_path / "bad.yaml"
    override.write_text("gpu_type: {}\n")
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_FILE", str(override))
    with pytest.raises(ValueError, match="unknown keys"):
        placement.tables(kube())


def test_overlay_adds_selectors_and_dedupes_tolerations():
    a = placement.Placement(requests={"cpu": "1"}, node_selector={"a": "1"}, tolerations=(GPU_TOLERATION,))
    b = placement.Placement(requests={"cpu": "2"}, node_selector={"b": "2"}, tolerations=(GPU_TOLERATION,))
    merged = a.overlay(b)
    assert merged.requests == {"cpu": "2"} and merged.node_selector == {"a": "1", "b": "2"}
    assert merged.tolerations == (GPU_TOLERATION,)
    assert a.node_selector == {"a": "1"}  # inputs unchanged


def test_pod_fields_hold_only_what_the_placement_has():
    spot = {"key": "spot", "operator": "In", "values": ["true"]}
    full = placement.Placement(
        node_selector={"pool": "gpu"}, tolerations=(GPU_TOLERATION,), preferred=({"weight": 100, "preference": spot},)
    )
    assert full.pod_fields == {
        "nodeSelector": {"pool": "gpu"},
        "affinity": {
            "nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "preference": spot}]}
        },
        "tolerations": [GPU_TOLERATION],
    }
    assert placement.Placement(requests={"cpu": "1"}).pod_fields == {}


def test_gpu_label_table_for_the_readme(capsys):
    rows = placement_table()
    assert len(rows) == len(GpuType)
    print("\n".join(f"| {name} | {labels} |" for name, labels in rows))
    assert "NVIDIA_T4" in capsys.readouterr().out


def placement_table() -> list[tuple[str, str]]:
    rows = []
    for gpu_type in GpuType:
        match = placement.gpu_entry(gpu_type, kube())["match"]
        rows.append(
            (gpu_type.value, ", ".join(f"{k} in {v}" if isinstance(v, list) else f"{k}={v}" for k, v in match.items()))
        )
    return rows


def test_placement_reads_the_slice_it_is_given_not_the_environment(tmp_path, monkeypatch):
    override = tmp_path / "placement.yaml"
    override.write_text(yaml.safe_dump({"instance_sizes": {"tiny": {"cpu": 0.25, "memory": "256Mi"}}}))
    given = kube().model_copy(update={"placement_file": str(override)})
    assert placement.for_instance("tiny", given).requests == {"cpu": "250m", "memory": "256Mi"}
    with pytest.raises(ValueError, match="unknown instance 'tiny'"):
        placement.for_instance("tiny", kube())  # the environment names no override file


def test_per_gpu_memory_scales_through_kubernetes_quantities(tmp_path, monkeypatch):
    override = tmp_path / "placement.yaml"
    override.write_text(yaml.safe_dump({"gpu_types": {"per_gpu": {"cpu": "2", "memory": "1536Mi"}}}))
    given = kube().model_copy(update={"placement_file": str(override)})
    assert placement.for_gpu(GpuResources(gpu_type="NVIDIA_L4", gpu_amount=4), given).requests == {
        "cpu": "8",
        "memory": "6Gi",
    }
