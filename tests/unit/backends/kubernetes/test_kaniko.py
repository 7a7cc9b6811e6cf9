"""The push_image task on Kubernetes: the Kaniko pod, the serving image's Dockerfile, and push_image: false."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from tests.support.automations import make_automation

from automations import compiler
from automations.backends.kubernetes import build_pod, image
from automations.cli import render
from automations.loader import LoadedAutomation
from automations.runs import BuildResult, ImageResult
from automations.settings import Backend, get_settings
from automations.spec import Automation
from automations.tasks import XCOM_INPUTS
from model_runtime import contract
from support.runs import build_result

pytestmark = pytest.mark.unit

COMMIT = "3f2a9c1d5e7b8a0f4c6d2e1b9a8f7e6d5c4b3a21"
SECRET = "dckr_pat_Q8wL2mZr5Tx9Vn3Kb7Hc1Jd4"
BUILD = build_result({}, "b", commit=COMMIT)


def k8s():
    """The kubernetes backend's settings slice, read now (tests set variables per case)."""
    return get_settings().kubernetes


def automation(**build_fields) -> Automation:
    build_spec = {"git_uri": "https://github.com/acme/models.git#churn", **build_fields}
    loaded = make_automation("churn_model", "Churn-Model", build_spec=build_spec, source=Path("/defs/churn_model.yaml"))
    return loaded.spec


@pytest.fixture(autouse=True)
def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "registry.example.com/ml")
    monkeypatch.setenv("AUTOMATIONS_ARTIFACT_ROOT", (tmp_path / "artifacts").as_uri())
    for name in (
        "AUTOMATIONS_KANIKO_IMAGE",
        "AUTOMATIONS_REGISTRY_SECRET",
        "AUTOMATIONS_K8S_ON_FINISH_ACTION",
        "AUTOMATIONS_BUILD_IMAGE",
    ):
        monkeypatch.delenv(name, raising=False)


def kaniko_pod(**build_fields) -> dict:
    docs = image.render_image(automation(**build_fields), k8s())
    assert len(docs) == 1
    return docs[0]


def env_of(container: dict) -> dict:
    return {e["name"]: e["value"] for e in container.get("env", [])}


@pytest.mark.parametrize("version", ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"])
def test_kaniko_pod_is_valid_kubernetes(version):
    kubernetes_validate.validate(kaniko_pod(), version, strict=True)


def test_kaniko_builds_and_pushes_the_build_tag_with_a_layer_cache_and_reports_the_digest():
    pod = kaniko_pod()
    kaniko = pod["spec"]["containers"][0]
    assert kaniko["image"] == "ghcr.io/osscontainertools/kaniko:v1.28.5-debug"  # a maintained fork
    args = kaniko["args"]
    assert f"--destination=$({image.ENV_IMAGE})" in args and f"--digest-file={image.DIGEST_FILE}" in args
    assert "--cache=true" in args and "--cache-repo=registry.example.com/ml/churn-model/cache" in args
    assert env_of(kaniko)[image.ENV_IMAGE] == "registry.example.com/ml/churn-model:render-build"
    assert kaniko["resources"]["requests"]["ephemeral-storage"] == "20Gi"
    assert {"name": "docker-config", "mountPath": "/kaniko/.docker", "readOnly": True} in kaniko["volumeMounts"]
    secret = next(v for v in pod["spec"]["volumes"] if v["name"] == "docker-config")["secret"]
    assert secret == {
        "secretName": "registry-credentials",
        "items": [{"key": ".dockerconfigjson", "path": "config.json"}],
    }


def test_workload_identity_needs_no_docker_config_secret(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_REGISTRY_SECRET", "none")
    monkeypatch.setenv("AUTOMATIONS_K8S_IMAGE_SERVICE_ACCOUNT", "ecr-pusher")
    pod = kaniko_pod()
    assert pod["spec"]["serviceAccountName"] == "ecr-pusher"
    assert "docker-config" not in yaml.safe_dump(pod)
    kubernetes_validate.validate(pod, "1.30", strict=True)


def test_the_kaniko_wrapper_turns_the_digest_file_into_the_xcom(tmp_path):
    """The wrapper script run for real with sh, a stand-in executor and the paths moved under tmp_path."""
    import subprocess

    kaniko = kaniko_pod()["spec"]["containers"][0]
    script = kaniko["command"][2].replace("$$", "$")  # the kubelet's $$ escape
    executor = tmp_path / "executor"
    digest = "sha256:" + "ab" * 32
    executor.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/argv\nprintf {digest} > {tmp_path}/digest\n')
    executor.chmod(0o755)
    script = script.replace("/kaniko/executor", str(executor)).replace(image.DIGEST_FILE, str(tmp_path / "digest"))
    script = script.replace("/airflow/xcom", str(tmp_path / "xcom"))
    subprocess.run(["sh", "-c", script, "kaniko", "--destination=x"], check=True)
    assert json.loads((tmp_path / "xcom" / "return.json").read_text()) == {"digest": digest}
    assert (tmp_path / "argv").read_text().strip() == "--destination=x"
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    (tmp_path / "xcom" / "return.json").unlink()
    result = subprocess.run(["sh", "-c", script.replace(str(executor), str(failing)), "kaniko"], check=False)
    assert result.returncode == 3 and not (tmp_path / "xcom" / "return.json").exists()


def test_without_a_registry_the_kubernetes_backend_says_what_to_set(monkeypatch):
    monkeypatch.delenv("AUTOMATIONS_REGISTRY")
    with pytest.raises(ValueError, match="set AUTOMATIONS_REGISTRY"):
        image.plan(automation(), k8s())


def test_context_holds_the_build_artifact_and_model_runtime():
    context = kaniko_pod()["spec"]["initContainers"][0]
    env = env_of(context)
    assert env[image.ENV_ARTIFACT_DIR] == "/artifacts/churn_model/builds/render-build"
    assert env[image.ENV_RUNTIME_DIR] == f"/artifacts/_runtime/{build_pod.runtime_digest()}/model_runtime"
    assert "$MODEL_ARTIFACT_DIR" in context["command"][2] and "$SERVING_DOCKERFILE" in context["command"][2]


def test_dockerfile_installs_dependencies_and_serves_with_the_runtime():
    plan = image.plan(automation(base_image="acme/ml:1.4", dependency_file_path="main/req.txt"), k8s())
    lines = image.dockerfile(plan).splitlines()
    assert lines[0] == "FROM acme/ml:1.4"
    run = json.loads(next(line for line in lines if line.startswith("RUN "))[4:])
    assert run == ["python", "-m", "model_runtime", "install", "--source", "/artifact/src"]  # the clone's list
    entry = json.loads(next(line for line in lines if line.startswith("ENTRYPOINT "))[11:])
    cmd = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
    assert entry == ["python", "-m", "model_runtime", "serve"]
    assert entry + cmd == contract.serve_command("python", "/artifact", contract.DEFAULT_PORT)
    assert f"EXPOSE {contract.DEFAULT_PORT}" in lines


def test_image_identity_comes_from_the_build_xcom():
    plan = image.plan(automation(), k8s())
    build = build_result({}, "churn_model-3f2a9c1d5e-abc123", commit=COMMIT)
    ident = image.image_identity(plan, BuildResult.from_xcom(build.to_xcom()))
    assert ident.image == "registry.example.com/ml/churn-model:churn_model-3f2a9c1d5e-abc123"  # one tag per build
    with pytest.raises(ValueError, match="build_id"):  # the build result refuses it before image_identity() sees it
        image.image_identity(plan, BuildResult.from_xcom({"metrics": {}}))


def test_fake_execute_returns_the_pushed_image(monkeypatch):
    """Kaniko's run is faked at the KubernetesPodOperator boundary; the XCom logic around it is real."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    digest = "sha256:" + "0f" * 32
    calls = []

    def run(self, context):
        calls.append(self.task_id)
        return {"digest": digest}  # what the XCom sidecar read from /airflow/xcom/return.json

    monkeypatch.setattr(KubernetesPodOperator, "execute", run)
    op = image.image_operator(automation(), k8s(), XCOM_INPUTS)
    context = {
        "ti": type("TI", (), {"xcom_pull": staticmethod(lambda task_ids=None: BUILD.to_xcom())})()
    }
    assert ImageResult.from_xcom(op.execute(context)) == ImageResult(
        image=f"registry.example.com/ml/churn-model@{digest}",  # deploy pulls by digest
        tag="registry.example.com/ml/churn-model:b",
        digest=digest,
        pushed=True,
        build_id="b",
    )
    assert calls == ["push_image"]
    assert op.task_id == "push_image" and op.do_xcom_push and op.get_logs and op.template_fields == ()
    monkeypatch.setattr(KubernetesPodOperator, "execute", lambda self, context: None)
    with pytest.raises(RuntimeError, match="no digest"):
        op.execute(context)


def test_push_image_false_logs_the_reason_and_returns_not_pushed(caplog):
    # Decided by the compiler, the same way for every backend that builds an image.
    loaded = LoadedAutomation(automation(push_image=False), Path("/defs/churn_model.yaml"))
    settings = get_settings().replace(backend=Backend.kubernetes)
    op = compiler._image_operator(loaded, settings)
    assert op.task_id == "push_image"
    with caplog.at_level(logging.WARNING):
        result = op.python_callable()
    assert result["image"] is None and result["pushed"] is False
    assert "push_image is false" in result["reason"]
    assert "push_image is false" in caplog.text
    kinds = [doc.get("kind") for doc in render.backend_documents(loaded, settings)]
    assert "Pod" in kinds and not any("kaniko" in str(doc) for doc in render.backend_documents(loaded, settings))


def test_no_registry_secret_value_in_the_rendered_pod(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_REGISTRY", json.dumps({"conn_type": "docker", "login": "bot", "password": SECRET}))
    monkeypatch.setenv("AIRFLOW_VAR_REGISTRY_PASSWORD", SECRET)
    text = yaml.safe_dump(kaniko_pod())
    assert "registry-credentials" in text and SECRET not in text
