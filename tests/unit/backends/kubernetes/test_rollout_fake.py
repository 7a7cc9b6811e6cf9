"""Apply / wait / roll back against a FAKE at the kubernetes-client boundary (no cluster can run here).

``FakeKubeClient`` stands in for ``client.DynamicKubeClient``: it stores objects, bumps ``metadata.generation`` when a
Deployment's spec changes (as the API server does) and plays a tiny Deployment controller on every read, whose
behaviour per image is chosen by the test: "healthy", "stuck" (a new pod never becomes available) or "deadline"
(the controller reports ProgressDeadlineExceeded). ``FakeClock`` makes waiting take milliseconds.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml

from automations.backends.errors import DeployFailed, RollbackFailed, RolledBack
from automations.backends.kubernetes import deploy, rollout
from automations.loader import LoadedAutomation
from automations.settings import get_settings
from automations.spec import Automation

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]

NS, NAME = "models", "churn-model-default"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


class FakeApiError(Exception):
    pass


class FakeKubeClient:
    def __init__(self, behaviour: Optional[dict[str, str]] = None, refuse_images: tuple[str, ...] = ()) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.behaviour = behaviour or {}
        self.refuse_images = refuse_images
        self.applied: list[tuple[str, str]] = []
        self._rollout: dict[str, dict[str, Any]] = {}  # per Deployment name: controller state

    # -- the KubeClient protocol
    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        obj = self.objects.get((kind, namespace, name))
        if obj is not None and kind == "Deployment":
            self._controller_step(obj)
        return copy.deepcopy(obj)

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        if manifest["kind"] == "Deployment" and _image(manifest) in self.refuse_images:
            raise FakeApiError(f"admission webhook denied {_image(manifest)}")
        meta = manifest["metadata"]
        key = (manifest["kind"], meta["namespace"], meta["name"])
        self.applied.append((manifest["kind"], meta["name"]))
        old = self.objects.get(key)
        new = copy.deepcopy(manifest)
        if manifest["kind"] == "Deployment":
            new = self._apply_deployment(old, new)
        self.objects[key] = new
        return copy.deepcopy(new)

    # -- the fake API server and controller
    def _apply_deployment(self, old: Optional[dict[str, Any]], new: dict[str, Any]) -> dict[str, Any]:
        generation = (old or {}).get("metadata", {}).get("generation", 0)
        changed = old is None or old["spec"] != new["spec"]
        new["metadata"].update(generation=generation + 1 if changed else generation, uid="u-1", resourceVersion="7")
        new["status"] = copy.deepcopy((old or {}).get("status", {"observedGeneration": 0}))
        # How the new pods behave is fixed when their template is applied, as with real pods.
        mode = self.behaviour.get(_image(new), "healthy")
        if old is None:
            self._rollout[new["metadata"]["name"]] = {"old": 0, "new": 0, "steps": 0, "mode": mode}
        elif old["spec"]["template"] != new["spec"]["template"]:
            available = new["status"].get("availableReplicas", 0)
            self._rollout[new["metadata"]["name"]] = {"old": available, "new": 0, "steps": 0, "mode": mode}
        return new

    def _controller_step(self, obj: dict[str, Any]) -> None:
        status, state = obj["status"], self._rollout[obj["metadata"]["name"]]
        if status.get("observedGeneration", 0) < obj["metadata"]["generation"]:
            status["observedGeneration"] = obj["metadata"]["generation"]
            status.pop("conditions", None)
            return self._publish(obj, state, ready=state["new"] if state["mode"] == "healthy" else 0)
        state["steps"] += 1
        wanted = obj["spec"]["replicas"]
        mode = state["mode"]
        if mode == "healthy":
            state["new"] = min(wanted, state["new"] + 1)
            state["old"] = max(0, min(state["old"], wanted - state["new"]))
            return self._publish(obj, state, ready=state["new"])
        if mode == "degraded":  # pods lost after a finished rollout (e.g. a node died)
            return self._publish(obj, {"old": 0, "new": state["new"]}, ready=1)
        state["new"] = min(wanted, 1)  # the surge pod that never becomes ready
        if mode == "deadline" and state["steps"] >= 3:
            status["conditions"] = [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                     "message": f'ReplicaSet "{obj["metadata"]["name"]}-x" has timed out progressing.'}]
        return self._publish(obj, state, ready=0)

    def _publish(self, obj: dict[str, Any], state: dict[str, int], ready: int) -> None:
        obj["status"].update(updatedReplicas=state["new"], replicas=state["old"] + state["new"],
                             availableReplicas=state["old"] + ready, readyReplicas=state["old"] + ready)

    # -- test helpers
    def degrade(self, name: str = NAME) -> None:
        self._rollout[name]["mode"] = "degraded"

    def deployment(self) -> dict[str, Any]:
        return self.objects[("Deployment", NS, NAME)]


def _image(obj: dict[str, Any]) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"]


def automation(**deployment_spec: Any) -> LoadedAutomation:
    data = {
        "name": "churn",
        "model_id": "churn_model",
        "action": {
            "build_spec": {"git_uri": "https://example.com/m.git#churn"},
            "deployment_spec": {"number_of_pods": 3, "deployment_timeout": 60, **deployment_spec},
        },
    }
    return LoadedAutomation(spec=Automation.model_validate(data), source=Path("churn.yaml"))


@pytest.fixture()
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_ENVIRONMENTS_FILE", str(tmp_path / "environments.yaml"))
    return get_settings().replace(kubernetes={"namespace": NS, "conn_id": "k8s_main"}, registry="reg.example")


def run_deploy(fake: FakeKubeClient, settings, commit: str, auto: Optional[LoadedAutomation] = None,
               clock: Optional[FakeClock] = None) -> dict[str, Any]:
    build = {"commit": commit, "build_id": f"churn-{commit[:10]}-aaaaaa", "metrics": {}}
    return deploy.deploy(auto or automation(), build, None, settings, client_factory=lambda conn: fake,
                         clock=clock or FakeClock())


V1, V2 = "1" * 40, "2" * 40
IMG1, IMG2 = f"reg.example/churn_model:{V1[:12]}", f"reg.example/churn_model:{V2[:12]}"


def test_fake_first_deploy_applies_everything_in_order_and_waits(settings, caplog):
    fake, clock = FakeKubeClient(), FakeClock()
    auto = automation(auto_scale_config={"min_replica_count": 1, "max_replica_count": 5})
    with caplog.at_level(logging.INFO, logger=rollout.__name__):
        result = run_deploy(fake, settings, V1, auto, clock)
    assert result["endpoint"] == "http://churn-model.models.svc.cluster.local:8000"
    assert result["targets"] == [{"environment": "default", "namespace": NS, "deployment": NAME,
                                  "endpoint": result["endpoint"], "changed": True,
                                  "variation_endpoint": f"http://{NAME}.models.svc.cluster.local:8000"}]
    assert [kind for kind, _ in fake.applied] == ["Service", "Service", "Deployment", "ScaledObject"]
    status = fake.deployment()["status"]
    assert status["updatedReplicas"] == status["availableReplicas"] == 3
    assert "2/3 replicas updated, 2 available" in caplog.text
    assert "3/3 replicas updated, 3 available" in caplog.text
    assert ("ConfigMap", NAME + rollout.LAST_GOOD_SUFFIX) not in fake.applied  # nothing good existed before


def test_fake_update_saves_the_last_good_template_then_rolls_forward(settings):
    fake = FakeKubeClient()
    run_deploy(fake, settings, V1)
    result = run_deploy(fake, settings, V2)
    assert result["targets"][0]["changed"] is True
    assert _image(fake.deployment()) == IMG2
    assert fake.deployment()["metadata"]["generation"] == 2
    saved = json.loads(fake.objects[("ConfigMap", NS, NAME + "-last-good")]["data"]["deployment.json"])
    assert _image(saved) == IMG1
    assert "status" not in saved and "uid" not in saved["metadata"]


def test_fake_timeout_then_rollback_restores_the_previous_template(settings):
    fake, clock = FakeKubeClient(behaviour={IMG2: "stuck"}), FakeClock()
    run_deploy(fake, settings, V1)
    started = time.monotonic()
    with pytest.raises(RolledBack) as err:
        run_deploy(fake, settings, V2, clock=clock)
    assert time.monotonic() - started < 2.0  # the injected clock: a 60 s budget passes in milliseconds
    assert 60 <= clock.slept < 90  # the 60 s budget, then a few polls while the restore rolls out
    message = str(err.value)
    assert "timed out after 60s" in message and IMG2 in message and f"rolled back to {IMG1}" in message
    live = fake.deployment()
    assert _image(live) == IMG1
    assert rollout.rollout_status(live).done


def test_fake_failure_then_rollback(settings):
    fake, clock = FakeKubeClient(behaviour={IMG2: "deadline"}), FakeClock()
    run_deploy(fake, settings, V1)
    with pytest.raises(RolledBack, match="ProgressDeadlineExceeded"):
        run_deploy(fake, settings, V2, clock=clock)
    assert clock.slept < 60  # failed fast on the controller's verdict, not on our timeout
    assert _image(fake.deployment()) == IMG1
    assert rollout.rollout_status(fake.deployment()).done


def test_fake_failed_rollout_keeps_the_old_autoscaler(settings):
    fake = FakeKubeClient(behaviour={IMG2: "deadline"})
    scaled = automation(auto_scale_config={"min_replica_count": 1, "max_replica_count": 5})
    run_deploy(fake, settings, V1, scaled)
    rescaled = automation(auto_scale_config={"min_replica_count": 2, "max_replica_count": 9})
    with pytest.raises(RolledBack):
        run_deploy(fake, settings, V2, rescaled)
    assert fake.objects[("ScaledObject", NS, NAME)]["spec"]["maxReplicaCount"] == 5


def test_fake_rollback_that_fails_is_loud(settings):
    fake = FakeKubeClient(behaviour={IMG2: "deadline"})
    run_deploy(fake, settings, V1)
    fake.refuse_images = (IMG1,)  # the API refuses the restore
    with pytest.raises(RollbackFailed) as err:
        run_deploy(fake, settings, V2)
    assert "FAILED" in str(err.value) and "Needs a human" in str(err.value)
    chain = [err.value]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    assert isinstance(chain[-1], FakeApiError)  # the API's own error is kept for the log


def test_fake_rollback_that_never_becomes_healthy_is_loud(settings):
    fake = FakeKubeClient(behaviour={IMG2: "stuck"})
    run_deploy(fake, settings, V1)
    fake.behaviour[IMG1] = "stuck"  # restored pods now fail too, e.g. the old image was pruned from the registry
    with pytest.raises(RollbackFailed, match="did not complete"):
        run_deploy(fake, settings, V2)


def test_fake_rerun_with_no_changes_is_a_no_op(settings):
    fake = FakeKubeClient()
    run_deploy(fake, settings, V1)
    clock = FakeClock()
    result = run_deploy(fake, settings, V1, clock=clock)
    assert result["targets"][0]["changed"] is False
    assert fake.deployment()["metadata"]["generation"] == 1
    assert clock.slept == 0  # already healthy: no waiting


def test_fake_first_deploy_that_fails_has_nothing_to_roll_back_to(settings):
    fake = FakeKubeClient(behaviour={IMG1: "deadline"})
    with pytest.raises(DeployFailed) as err:
        run_deploy(fake, settings, V1)
    assert not isinstance(err.value, RolledBack)
    assert "no earlier version" in str(err.value)


def test_fake_after_a_rollback_the_next_failure_still_restores_the_last_good(settings):
    # The live Deployment after a failed rollback is the restored good one; a later failed rollout (with the live
    # one unhealthy at start) must fall back to the saved ConfigMap, not save a broken template as "good".
    fake = FakeKubeClient(behaviour={IMG2: "stuck"})
    run_deploy(fake, settings, V1)
    with pytest.raises(RolledBack):
        run_deploy(fake, settings, V2)
    fake.degrade()  # a node died: the live Deployment is not healthy right now
    assert not rollout.rollout_status(fake.get("apps/v1", "Deployment", NS, NAME)).done
    with pytest.raises(RolledBack, match=f"rolled back to {IMG1}"):
        run_deploy(fake, settings, V2)
    assert fake.applied.count(("ConfigMap", NAME + rollout.LAST_GOOD_SUFFIX)) == 1  # the unhealthy one was not saved


def test_fake_deploys_every_environment_with_its_own_connection(settings, tmp_path):
    Path(settings.environments_file).write_text(yaml.safe_dump({"environments": {
        "staging": {"conn_id": "k8s_stage", "namespace": "models"},
        "production": {"conn_id": "k8s_prod", "namespace": "models"}}}))
    fakes = {"k8s_stage": FakeKubeClient(), "k8s_prod": FakeKubeClient(behaviour={IMG1: "deadline"})}
    build = {"commit": V1, "build_id": "b1"}
    auto = automation(environments=["staging", "production"])
    with pytest.raises(DeployFailed, match=r"\[production\].*already updated: \['staging'\]"):
        deploy.deploy(auto, build, None, settings, client_factory=fakes.__getitem__, clock=FakeClock())
    assert _image(fakes["k8s_stage"].deployment()) == IMG1
    fakes["k8s_prod"].behaviour = {}
    result = deploy.deploy(auto, build, {"image": "other/img:7", "pushed": True}, settings,
                           client_factory=fakes.__getitem__, clock=FakeClock())
    assert [t["environment"] for t in result["targets"]] == ["staging", "production"]
    assert _image(fakes["k8s_prod"].deployment()) == "other/img:7"  # the push_image task's image wins


@pytest.mark.parametrize(
    "status, generation, done, failed, message",
    [
        ({"observedGeneration": 1}, 2, False, False, "waiting for the controller to observe generation 2"),
        ({"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 1, "replicas": 3}, 2, False, False,
         "2/3 replicas updated, 1 available, 1 old pending termination"),
        ({"observedGeneration": 2, "updatedReplicas": 3, "availableReplicas": 3, "replicas": 3}, 2, True, False,
         "3/3 replicas updated, 3 available"),
        ({"observedGeneration": 2, "conditions": [{"type": "Progressing", "reason": "ProgressDeadlineExceeded",
                                                   "message": "boom"}]}, 2, False, True,
         "ProgressDeadlineExceeded: boom"),
    ],
)
def test_rollout_status(status, generation, done, failed, message):
    live = {"metadata": {"generation": generation}, "spec": {"replicas": 3}, "status": status}
    assert rollout.rollout_status(live) == rollout.RolloutStatus(done, failed, message)


def test_restorable_drops_server_owned_fields():
    live = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "n", "uid": "u", "resourceVersion": "1", "generation": 4,
                         "managedFields": [{}], "annotations": {"deployment.kubernetes.io/revision": "3", "keep": "y"}},
            "spec": {"replicas": 2}, "status": {"replicas": 2}}
    assert rollout.restorable(live) == {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "metadata": {"name": "d", "namespace": "n", "annotations": {"keep": "y"}},
                                        "spec": {"replicas": 2}}
