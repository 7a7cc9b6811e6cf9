"""Apply / wait / roll back against a FAKE API server at the kubernetes-client boundary (no cluster can run here).

``tests/support/kube_fake.FakeApiServer`` stands in for ``client.DynamicKubeClient``: server-side-apply ownership,
generation bumps, admission, and a Deployment controller that honours maxSurge and progressDeadlineSeconds. How the
pods of an image behave is chosen per test with ``ready_after`` (seconds, None: never ready). ``FakeClock`` (its
clock) makes waiting take milliseconds.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Optional

import pytest
import yaml
from tests.support.kube_fake import FakeApiServer
from tests.support.kube_fake import churn_automation as automation

from automations.analytics.rows import DeployStatus
from automations.backends.errors import DeployFailed, RollbackFailed, RolledBack
from automations.backends.kubernetes import deploy, rollout
from automations.backends.kubernetes.client import KubeApiError
from automations.loader import LoadedAutomation
from automations.runs import DeployResult, ImageResult
from automations.spec import Automation
from automations.steps.deploy import deployment_rows
from support.runs import build_result

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]

NS, NAME = "models", "churn-model-default"


def _image(obj: dict[str, Any]) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"]


def server(**ready_after: Optional[float]) -> FakeApiServer:
    fake = FakeApiServer()
    fake.ready_after.update({IMAGES[k]: v for k, v in ready_after.items()})
    return fake


def live(fake: FakeApiServer, kind: str = "Deployment", name: str = NAME) -> dict[str, Any]:
    found = fake.get("", kind, NS, name)
    assert found is not None
    return found




def run_deploy(fake: FakeApiServer, settings, commit: str, auto: Optional[Automation] = None) -> dict[str, Any]:
    build = build_result({}, f"churn-{commit[:10]}-aaaaaa", commit=commit)
    return deploy.deploy(auto or automation(), build, None, settings, client_factory=lambda conn: fake,
                         clock=fake.clock).to_xcom()


V1, V2 = "1" * 40, "2" * 40
IMG1, IMG2 = f"reg.example/churn_model:churn-{V1[:10]}-aaaaaa", f"reg.example/churn_model:churn-{V2[:10]}-aaaaaa"
IMAGES = {"v1": IMG1, "v2": IMG2}


def test_fake_first_deploy_applies_everything_in_order_and_waits(settings, caplog):
    fake = server()
    auto = automation(auto_scale_config={"min_replica_count": 1, "max_replica_count": 5})
    with caplog.at_level(logging.INFO, logger=rollout.__name__):
        result = run_deploy(fake, settings, V1, auto)
    assert result["endpoint"] == "http://churn-model.models.svc.cluster.local:8000"
    assert result["targets"] == [{"environment": "default", "namespace": NS, "deployment": NAME,
                                  "endpoint": result["endpoint"], "changed": True, "warnings": [], "pruned": [],
                                  "status": "deployed",
                                  "variation_endpoint": f"http://{NAME}.models.svc.cluster.local:8000"}]
    kinds = [kind for kind, _, manager in fake.applies() if manager == "automations"]
    assert kinds == ["Service", "Service", "PodDisruptionBudget", "Deployment", "Deployment", "ScaledObject"]
    status = live(fake)["status"]
    assert status["updatedReplicas"] == status["availableReplicas"] == 3
    assert "3/3 replicas updated, 0 available" in caplog.text  # a new Deployment starts every pod at once
    assert "3/3 replicas updated, 3 available" in caplog.text
    assert ("ConfigMap", NAME + rollout.LAST_GOOD_SUFFIX) not in [(k, n) for k, n, _ in fake.applies()]


def test_fake_update_saves_the_last_good_template_then_rolls_forward(settings):
    fake = server()
    run_deploy(fake, settings, V1)
    result = run_deploy(fake, settings, V2)
    assert result["targets"][0]["changed"] is True
    assert _image(live(fake)) == IMG2
    assert live(fake)["metadata"]["generation"] == 2
    saved = json.loads(live(fake, "ConfigMap", NAME + "-last-good")["data"]["deployment.json"])
    assert _image(saved) == IMG1
    assert "status" not in saved and "uid" not in saved["metadata"] and "managedFields" not in saved["metadata"]


def test_fake_stuck_rollout_fails_on_the_controllers_deadline_then_rolls_back(settings):
    fake = server(v2=None)
    run_deploy(fake, settings, V1)
    started, slept = time.monotonic(), fake.clock.slept
    with pytest.raises(RolledBack) as err:
        run_deploy(fake, settings, V2)
    assert time.monotonic() - started < 2.0  # the injected clock: a 60 s budget passes in milliseconds
    assert 60 <= fake.clock.slept - slept < 75  # the deadline (60 s), then a quick restore
    message = str(err.value)
    assert "ProgressDeadlineExceeded" in message and IMG2 in message and f"rolled back to {IMG1}" in message
    assert _image(live(fake)) == IMG1
    assert rollout.rollout_status(live(fake)).done


def test_fake_our_wait_resets_on_progress_so_slow_healthy_pods_are_not_rolled_back(settings):
    # Each pod needs 50 s of a 60 s budget: 3 pods one at a time take ~150 s, which one shared budget cut short.
    fake = server(v2=50)
    run_deploy(fake, settings, V1)
    result = run_deploy(fake, settings, V2)
    assert _image(live(fake)) == IMG2 and rollout.rollout_status(live(fake)).done
    assert fake.clock.slept > 150  # 3 pods x 50 s, one at a time (maxSurge 1, maxUnavailable 0)
    assert result["targets"][0]["changed"] is True


def test_fake_wait_without_progress_times_out():
    fake = server(v1=None)
    fake.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": NAME, "namespace": NS},
                "spec": {"replicas": 2, "progressDeadlineSeconds": 600, "selector": {"matchLabels": {"a": "b"}},
                         "template": {"metadata": {"labels": {"a": "b"}},
                                      "spec": {"containers": [{"name": "m", "image": IMG1}]}}}})
    status = rollout.wait_for_rollout(fake, NS, NAME, 30, fake.clock)
    assert status.failed and "no progress for 30s" in status.message
    assert 30 <= fake.clock.slept <= 34


def test_fake_failed_rollout_keeps_the_old_autoscaler(settings):
    fake = server(v2=None)
    scaled = automation(auto_scale_config={"min_replica_count": 1, "max_replica_count": 5})
    run_deploy(fake, settings, V1, scaled)
    rescaled = automation(auto_scale_config={"min_replica_count": 2, "max_replica_count": 9})
    with pytest.raises(RolledBack):
        run_deploy(fake, settings, V2, rescaled)
    assert live(fake, "ScaledObject")["spec"]["maxReplicaCount"] == 5


def test_fake_rollback_that_fails_is_loud(settings):
    fake = server(v2=None)
    run_deploy(fake, settings, V1)
    original = fake.apply

    def refuse_restore(manifest, **kwargs):
        if not kwargs.get("dry_run") and manifest["kind"] == "Deployment" and _image(manifest) == IMG1:
            raise KubeApiError(500, "InternalError", "etcd is unhappy")
        return original(manifest, **kwargs)

    fake.apply = refuse_restore  # type: ignore[method-assign]
    with pytest.raises(RollbackFailed) as err:
        run_deploy(fake, settings, V2)
    assert "FAILED" in str(err.value) and "Needs a human" in str(err.value)
    chain = [err.value]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    assert isinstance(chain[-1], KubeApiError)  # the API's own error is kept for the log


def test_fake_rollback_that_never_becomes_healthy_is_loud(settings):
    fake = server(v2=None)
    run_deploy(fake, settings, V1)

    def old_pods_die() -> None:  # during the next rollout the old pods die, and the image cannot be pulled any more
        fake.ready_after[IMG1] = None
        fake.lose_pods(NS, NAME)

    fake.clock.after(10, old_pods_die)
    with pytest.raises((RollbackFailed, RolledBack)) as err:
        run_deploy(fake, settings, V2)
    assert isinstance(err.value, RollbackFailed) and "did not complete" in str(err.value)


def test_fake_rerun_with_no_changes_is_a_no_op(settings):
    fake = server()
    run_deploy(fake, settings, V1)
    slept = fake.clock.slept
    result = run_deploy(fake, settings, V1)
    assert result["targets"][0]["changed"] is False
    assert live(fake)["metadata"]["generation"] == 1
    assert fake.clock.slept == slept  # already healthy: no waiting


def test_fake_first_deploy_that_fails_has_nothing_to_roll_back_to(settings):
    fake = server(v1=None)
    with pytest.raises(DeployFailed) as err:
        run_deploy(fake, settings, V1)
    assert not isinstance(err.value, RolledBack)
    assert "no earlier version" in str(err.value)


def test_fake_after_a_rollback_the_next_failure_still_restores_the_last_good(settings):
    # The live Deployment after a failed rollback is the restored good one; a later failed rollout (with the live
    # one unhealthy at start) must fall back to the saved ConfigMap, not save a broken template as "good".
    fake = server(v2=None)
    run_deploy(fake, settings, V1)
    with pytest.raises(RolledBack):
        run_deploy(fake, settings, V2)
    saves = fake.applies("ConfigMap")
    fake.lose_pods(NS, NAME)  # a node died: the live Deployment is not healthy right now
    assert not rollout.rollout_status(live(fake)).done
    with pytest.raises(RolledBack, match=f"rolled back to {IMG1}"):
        run_deploy(fake, settings, V2)
    assert fake.applies("ConfigMap") == saves  # the unhealthy one was not saved


def test_fake_deploys_every_environment_with_its_own_connection(settings, tmp_path):
    Path(settings.environments_file).write_text(yaml.safe_dump({"environments": {
        "staging": {"conn_id": "k8s_stage", "namespace": "models"},
        "production": {"conn_id": "k8s_prod", "namespace": "models"}}}))
    fakes = {"k8s_stage": server(), "k8s_prod": server(v1=None)}
    fakes["k8s_prod"].clock = fakes["k8s_stage"].clock
    build = build_result({}, f"churn-{V1[:10]}-aaaaaa", commit=V1)
    auto = automation(environments=["staging", "production"])
    with pytest.raises(DeployFailed, match=r"\[production\].*already updated: \['staging'\]") as err:
        deploy.deploy(auto, build, None, settings, client_factory=fakes.__getitem__, clock=fakes["k8s_stage"].clock)
    assert [(t.environment, t.status) for t in err.value.targets] == [("staging", "deployed"),
                                                                             ("production", "failed")]
    partial = DeployResult(endpoint="", targets=err.value.targets)
    rows = deployment_rows(LoadedAutomation(auto, Path("churn.yaml")), build, "run-1", partial, DeployStatus.failed)
    assert [(r.environment, r.status) for r in rows] == [("staging", DeployStatus.deployed),
                                                         ("production", DeployStatus.failed)]
    assert _image(live(fakes["k8s_stage"])) == IMG1
    fakes["k8s_prod"].ready_after = {}
    result = deploy.deploy(auto, build, ImageResult(image="other/img:7", pushed=True), settings,
                           client_factory=fakes.__getitem__, clock=fakes["k8s_stage"].clock).to_xcom()
    assert [t["environment"] for t in result["targets"]] == ["staging", "production"]
    assert _image(live(fakes["k8s_prod"])) == "other/img:7"  # the push_image task's image wins
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


def test_fake_a_production_rollback_does_not_mark_staging_rolled_back(settings):
    Path(settings.environments_file).write_text(yaml.safe_dump({"environments": {
        "staging": {"conn_id": "k8s_stage", "namespace": "models"},
        "production": {"conn_id": "k8s_prod", "namespace": "models"}}}))
    fakes = {"k8s_stage": server(), "k8s_prod": server(v2=None)}
    fakes["k8s_prod"].clock = fakes["k8s_stage"].clock
    auto = automation(environments=["staging", "production"])
    for commit in (V1, V2):
        build = build_result({}, f"churn-{commit[:10]}-aaaaaa", commit=commit)
        try:
            deploy.deploy(auto, build, None, settings, client_factory=fakes.__getitem__,
                          clock=fakes["k8s_stage"].clock)
        except RolledBack as exc:
            outcomes = [(t.environment, t.status) for t in exc.targets]
    assert outcomes == [("staging", "deployed"), ("production", "rolled_back")]
    assert _image(live(fakes["k8s_stage"])) == IMG2 and _image(live(fakes["k8s_prod"])) == IMG1
