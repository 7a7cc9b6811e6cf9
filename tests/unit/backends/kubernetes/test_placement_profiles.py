"""Placement profiles per provider (include/config/kubernetes/profiles/): one snapshot per profile of where a GPU
spot build, a GPU on-demand build and a GPU serving pod land, every object strictly valid."""

from __future__ import annotations

import os
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from automations.backends.kubernetes import build, deploy, manifests, placement
from automations.environments import Environment
from automations.settings import PlacementProfile, get_settings
from automations.spec import Automation

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[4]
SNAPSHOTS = ROOT / "tests" / "fixtures" / "snapshots" / "kubernetes" / "profiles"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
ENV = Environment(name="production", conn_id="k8s", namespace="models")
SPOT_TAINTS = {
    "gfd": {"karpenter.sh/capacity-type", "cloud.google.com/gke-spot", "kubernetes.azure.com/scalesetpriority"},
    "gke": {"cloud.google.com/gke-spot"},
    "eks-karpenter": {"karpenter.sh/capacity-type"},
    "aks": {"kubernetes.azure.com/scalesetpriority"},
    "nvidia-resource": {
        "karpenter.sh/capacity-type",
        "cloud.google.com/gke-spot",
        "kubernetes.azure.com/scalesetpriority",
    },
}


def automation(gpu: str, option: str) -> Automation:
    spec = Automation.model_validate(
        {
            "name": "trainer",
            "model_id": "trainer",
            "action": {
                "build_spec": {
                    "git_uri": "https://github.com/acme/m.git#m",
                    "purchase_option": option,
                    "resources": {"gpu_type": gpu, "gpu_amount": 2},
                },
                "deployment_spec": {"number_of_pods": 2, "gpu_resources": {"gpu_type": "NVIDIA_T4", "gpu_amount": 1}},
            },
        }
    )
    return spec


def _where(spec: dict) -> dict:
    return {k: spec.get(k) for k in ("nodeSelector", "affinity", "tolerations") if spec.get(k)} | {
        "resources": spec["containers"][0]["resources"]
    }


def rendered(profile: str, monkeypatch) -> dict:
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_PROFILE", profile)
    out = {}
    for label, gpu, option in (
        ("build_a100_spot", "NVIDIA_A100", "spot"),
        ("build_t4_ondemand", "NVIDIA_T4", "ondemand"),
    ):
        (pod,) = [d for d in build.render(automation(gpu, option), get_settings().kubernetes) if d["kind"] == "Pod"]
        kubernetes_validate.validate(pod, "1.30", strict=True)
        out[label] = _where(pod["spec"])
    plan = deploy.plan_for(
        automation("NVIDIA_T4", "spot"), get_settings().kubernetes, ENV, "r/m@sha256:" + "a" * 64, "c" * 40, "b"
    )
    (dep,) = [o for o in manifests.render_plan(plan) if o["kind"] == "Deployment"]
    kubernetes_validate.validate(dep, "1.30", strict=True)
    out["serving_t4"] = _where(dep["spec"]["template"]["spec"])
    return out


def test_every_profile_setting_has_a_file_and_every_file_a_setting():
    assert sorted(p.value for p in PlacementProfile) == placement.profiles()


@pytest.mark.parametrize("profile", [p.value for p in PlacementProfile])
def test_placement_profile_snapshot(profile, monkeypatch):
    text = yaml.safe_dump(rendered(profile, monkeypatch), sort_keys=True)
    path = SNAPSHOTS / f"{profile}.yaml"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(), f"{path.name} differs; if intended, refresh with UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("profile", [p.value for p in PlacementProfile])
def test_spot_builds_tolerate_the_providers_spot_taint(profile, monkeypatch):
    spot = rendered(profile, monkeypatch)["build_a100_spot"]
    keys = {t["key"] for t in spot["tolerations"]}
    assert SPOT_TAINTS[profile] <= keys and "nvidia.com/gpu" in keys
    assert spot["resources"]["limits"]["nvidia.com/gpu"] == "2"


def test_provider_profiles_select_on_labels_known_before_a_gpu_node_exists(monkeypatch):
    labels = {}
    for profile in ("gke", "eks-karpenter", "aks"):
        where = rendered(profile, monkeypatch)["build_t4_ondemand"]
        labels[profile] = set(where.get("nodeSelector", {})) | {
            e["key"]
            for e in where["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
                "nodeSelectorTerms"
            ][0]["matchExpressions"]
        }
    assert "cloud.google.com/gke-accelerator" in labels["gke"]
    assert "karpenter.k8s.aws/instance-gpu-name" in labels["eks-karpenter"]
    assert "node.kubernetes.io/instance-type" in labels["aks"]
    assert not any(label.startswith("nvidia.com/gpu.") for found in labels.values() for label in found)


def test_plain_resource_profile_selects_no_nodes(monkeypatch):
    where = rendered("nvidia-resource", monkeypatch)["serving_t4"]
    assert "nodeSelector" not in where and "affinity" not in where
    assert where["resources"]["limits"]["nvidia.com/gpu"] == "1"


def test_a_gpu_the_provider_does_not_offer_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_PROFILE", "gke")
    with pytest.raises(ValueError, match="NVIDIA_A10G is not offered by placement profile gke"):
        build.render(automation("NVIDIA_A10G", "spot"), get_settings().kubernetes)


# What each profile's 80GB and 40GB A100 nodes carry, from the providers' docs (GFD product names, GKE accelerator
# names, Karpenter's per-GPU memory in MiB, AKS VM sizes): the label values an 80GB request must (not) select.
A100_VARIANTS = {
    "gfd": ({"NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-80GB-PCIe"}, {"NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-PCIE-40GB"}),
    "gke": ({"nvidia-a100-80gb"}, {"nvidia-tesla-a100"}),
    "eks-karpenter": ({"81920"}, {"40960"}),
    "aks": ({"Standard_NC24ads_A100_v4", "Standard_ND96amsr_A100_v4"}, {"Standard_ND96asr_v4"}),
}


@pytest.mark.parametrize("profile", sorted(A100_VARIANTS))
def test_an_instance_style_80gb_a100_never_selects_a_40gb_node(profile, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_PROFILE", profile)
    wanted, never = A100_VARIANTS[profile]
    for gpu, must, must_not in (
        ("NVIDIA_A100_80GB_8_96_1360", wanted, never),
        ("NVIDIA_A100_40GB_1_12_85", never, wanted),
    ):
        match = placement.gpu_entry(gpu, get_settings().kubernetes)["match"]
        values = {str(v) for value in match.values() for v in (value if isinstance(value, list) else [value])}
        assert values & must, (gpu, match)
        assert not values & must_not, (gpu, match)
