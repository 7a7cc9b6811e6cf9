"""Docker deploy on the real engine: serves /predict; a never-healthy new container keeps the old one serving."""

from __future__ import annotations

import threading
import time

import pytest
from dockerkit import build_tiny, post_json, tiny_automation

from automations.backends.docker.deploy import deploy
from automations.backends.errors import DeployFailed
from automations.backends.local.deploy import undeploy
from automations.gateway import registry
from automations.runs import ImageResult

pytestmark = [pytest.mark.integration, pytest.mark.docker]

SERVING = "io.automations.role=serving"


def serving(client, name):
    return client.containers.list(all=True, filters={"label": [f"io.automations.automation={name}", SERVING]})


def test_deploy_without_a_pushed_image_serves_predict(tmp_path, docker_settings, cleanup_containers, docker_engine):
    cleanup_containers.append("tiny_serve")
    automation, build = build_tiny("tiny_serve", tmp_path, docker_settings, deployment={"env_vars": ["X_ENV=1"]})
    started = time.monotonic()
    result = deploy(automation, build, ImageResult(pushed=False), docker_settings).to_xcom()
    print(f"docker deploy (serving image build + start + healthy): {time.monotonic() - started:.1f} s")
    assert result["endpoint"].startswith("http://127.0.0.1:")
    assert post_json(f"{result['endpoint']}/predict", [{"x": 0.7}, {"x": 0.2}, {"x": 0.5}]) == (200, [1, 0, 0])
    container = docker_engine.containers.get(result["container"])
    env = dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])
    assert env["MODEL_SERVER_WORKERS"] == "1" and env["X_ENV"] == "1"
    assert container.attrs["HostConfig"]["Memory"] == 512 * 2**20


def test_successful_redeploy_replaces_the_previous_container(tmp_path, docker_settings, cleanup_containers,
                                                            docker_engine):
    cleanup_containers.append("tiny_swap")
    automation, build = build_tiny("tiny_swap", tmp_path, docker_settings)
    first = deploy(automation, build, None, docker_settings).to_xcom()
    stop, results = threading.Event(), []

    def client() -> None:  # requests keep going to the stable URL while the container is swapped
        while not stop.is_set():
            try:
                results.append(post_json(f"{first['endpoint']}/predict", [{"x": 1.0}])[0])
            except OSError as exc:
                results.append(type(exc).__name__)

    thread = threading.Thread(target=client)
    thread.start()
    try:
        second = deploy(automation, build, None, docker_settings).to_xcom()
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    assert [c.id for c in serving(docker_engine, "tiny_swap")] == [second["container"]]
    assert first["endpoint"] == second["endpoint"], "the variation's URL stays the same across deploys"
    assert first["upstream"] != second["upstream"]
    assert results and set(results) == {200}, [r for r in results if r != 200][:5]
    assert post_json(f"{second['endpoint']}/predict", [{"x": 1.0}]) == (200, [1])
    record = registry.read(docker_settings.deployments_dir, "tiny_swap", "default")
    assert (record.backend, record.container) == ("docker", second["container"])
    undeploy(docker_settings, "tiny_swap")  # the CLI's undeploy stops Docker deployments too
    assert serving(docker_engine, "tiny_swap") == []


def test_never_healthy_new_container_keeps_the_old_one_serving(tmp_path, docker_settings, cleanup_containers,
                                                             docker_engine):
    cleanup_containers.append("tiny_keep")
    automation, build = build_tiny("tiny_keep", tmp_path, docker_settings)
    old = deploy(automation, build, None, docker_settings).to_xcom()

    hanging = tiny_automation("tiny_keep", deployment={"env_vars": ["TINY_SERVE_MODE=hang"], "deployment_timeout": 8})
    with pytest.raises(DeployFailed, match=r"(?s)not healthy within 8 s.*kept serving: automations-tiny_keep"):
        deploy(hanging, build, None, docker_settings)

    assert [c.id for c in serving(docker_engine, "tiny_keep")] == [old["container"]]
    assert post_json(f"{old['endpoint']}/predict", [{"x": 0.9}]) == (200, [1])
