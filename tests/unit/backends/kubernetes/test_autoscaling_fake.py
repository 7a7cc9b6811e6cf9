"""Autoscaled deploys against the FAKE API server (tests/support/kube_fake.py; no cluster runs here): the replicas
hand-over to the autoscaler, pruning of autoscalers no longer rendered, dry runs, missing CRDs."""

from __future__ import annotations

from typing import Any

import pytest
from tests.support.kube_fake import FakeApiServer
from tests.support.kube_fake import churn_automation as automation

from automations.backends.errors import DeployFailed
from automations.backends.kubernetes import deploy
from automations.backends.kubernetes.client import KubeApiError
from automations.spec import Automation
from support.runs import build_result

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]

NS, NAME = "models", "churn-model-default"
SCALE = {"min_replica_count": 2, "max_replica_count": 10}




def run(fake: FakeApiServer, settings, commit: str, auto: Automation, **overrides: Any) -> dict[str, Any]:
    build = build_result({}, f"churn-{commit[:6]}", commit=commit)
    s = settings.replace(**overrides) if overrides else settings
    return deploy.deploy(auto, build, None, s, client_factory=lambda conn: fake, clock=fake.clock).to_xcom()


def replicas(fake: FakeApiServer) -> int:
    return fake.live("Deployment", NS, NAME)["spec"]["replicas"]


def owners(fake: FakeApiServer) -> set[str]:
    return fake.owners("Deployment", NS, NAME, ("spec", "replicas"))


def test_fake_first_autoscaled_deploy_starts_at_the_planned_size_and_releases_replicas(settings):
    fake = FakeApiServer()
    run(fake, settings, "a" * 40, automation(auto_scale_config=SCALE))
    assert replicas(fake) == 3
    assert "automations" not in owners(fake)  # the autoscaler can take it over without a fight
    assert owners(fake) == {"automations-handover"}


def test_fake_a_deploy_under_load_keeps_the_autoscalers_count(settings):
    fake = FakeApiServer()
    auto = automation(auto_scale_config=SCALE)
    run(fake, settings, "a" * 40, auto)
    fake.scale(NS, NAME, 8)  # KEDA's HPA under load, through the scale subresource
    run(fake, settings, "b" * 40, auto)
    assert replicas(fake) == 8  # before: every deploy forced replicas back to 3
    assert owners(fake) == {"kube-controller-manager"}
    fake.clock.sleep(60)
    live = fake.get("apps/v1", "Deployment", NS, NAME)
    assert live is not None and live["status"]["availableReplicas"] == 8


def test_fake_adding_an_autoscaler_to_a_fixed_deployment_hands_replicas_over_without_a_reset(settings):
    fake = FakeApiServer()
    run(fake, settings, "a" * 40, automation())
    assert owners(fake) == {"automations"}
    run(fake, settings, "b" * 40, automation(auto_scale_config=SCALE))
    assert replicas(fake) == 3  # the naive omission would have reset it to 1 (see test_apiserver_fake)
    assert owners(fake) == {"automations-handover"}


def test_fake_removing_the_autoscaler_prunes_it_and_takes_replicas_back(settings):
    fake = FakeApiServer()
    run(fake, settings, "a" * 40, automation(auto_scale_config=SCALE))
    fake.scale(NS, NAME, 6)
    result = run(fake, settings, "b" * 40, automation(number_of_pods=4))
    assert result["targets"][0]["pruned"] == [f"ScaledObject/{NAME}"]
    assert ("ScaledObject", NS, NAME) not in fake.store
    assert replicas(fake) == 4 and owners(fake) == {"automations"}


def test_fake_switching_keda_off_replaces_the_scaled_object_with_an_hpa(settings):
    fake = FakeApiServer()
    auto = automation(auto_scale_config=SCALE)
    run(fake, settings, "a" * 40, auto)
    result = run(fake, settings, "a" * 40, auto, keda_enabled=False)
    assert result["targets"][0]["pruned"] == [f"ScaledObject/{NAME}"]
    assert ("HorizontalPodAutoscaler", NS, NAME) in fake.store and ("ScaledObject", NS, NAME) not in fake.store


def test_fake_prune_leaves_other_variations_and_user_objects_alone(settings):
    fake = FakeApiServer()
    run(fake, settings, "a" * 40, automation(auto_scale_config=SCALE, variation_name="challenger"))
    fake.apply(
        {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "users-own", "namespace": NS, "labels": {"app": "churn-model"}},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "x"}, "maxReplicas": 2},
        }
    )
    result = run(fake, settings, "a" * 40, automation())
    assert result["targets"][0]["pruned"] == []
    assert ("ScaledObject", NS, "churn-model-challenger") in fake.store
    assert ("HorizontalPodAutoscaler", NS, "users-own") in fake.store


def test_fake_missing_keda_crd_fails_in_the_dry_run_before_anything_changes(settings):
    fake = FakeApiServer(crds=())
    with pytest.raises(DeployFailed, match="AUTOMATIONS_KEDA_ENABLED=false") as err:
        run(fake, settings, "a" * 40, automation(auto_scale_config=SCALE))
    assert "dry run" in str(err.value) and "nothing was changed" in str(err.value)
    assert fake.applies() == [] and fake.store == {}


def test_fake_a_changed_selector_fails_in_the_dry_run_with_the_servers_reason(settings):
    fake = FakeApiServer()
    run(fake, settings, "a" * 40, automation())
    stored = fake.store[("Deployment", NS, NAME)]
    stored.obj["spec"]["selector"] = {"matchLabels": {"app": "churn-model"}}  # made by an older release
    stored.obj["spec"]["template"]["metadata"]["labels"].pop("variation")
    applied = len(fake.applies())
    with pytest.raises(DeployFailed, match="field is immutable.*delete the old object"):
        run(fake, settings, "b" * 40, automation())
    assert len(fake.applies()) == applied


def test_fake_autoscaler_apply_failing_after_a_healthy_rollout_is_a_warning_not_a_failed_deploy(settings):
    fake = FakeApiServer()
    fake.refuse[("ScaledObject", NAME)] = KubeApiError(500, "InternalError", "keda webhook timed out")
    result = run(fake, settings, "a" * 40, automation(auto_scale_config=SCALE))
    (target,) = result["targets"]
    assert target["warnings"] and "keda webhook timed out" in target["warnings"][0]
    image = fake.live("Deployment", NS, NAME)["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "reg.example/churn_model:churn-aaaaaa"
