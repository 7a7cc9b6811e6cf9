"""The build task on the real engine: metrics into XCom from the result file; failures fail with the reason."""

from __future__ import annotations

import json
import time

import pytest
from dockerkit import FakeTaskInstance, clone_xcom, tiny_automation

from automations.backends.docker.build import build_operator
from automations.backends.docker.build_task import DockerBuildFailed
from automations.tasks import XCOM_INPUTS

pytestmark = [pytest.mark.integration, pytest.mark.docker]


def run_build(name, tmp_path, settings, cleanup, build=None):
    cleanup.append(name)
    operator = build_operator(tiny_automation(name, build), settings, XCOM_INPUTS)
    ti = FakeTaskInstance({"clone": clone_xcom(tmp_path)})
    return operator.execute({"ti": ti, "run_id": f"manual__{name}"})


def test_build_puts_metrics_and_artifact_in_xcom(tmp_path, docker_settings, cleanup_containers):
    started = time.monotonic()
    result = run_build("tiny_ok", tmp_path, docker_settings, cleanup_containers,
                       {"env_vars": ["TINY_THRESHOLD=0.25"], "parameters": {"lr": 0.1}})
    print(f"docker build of the tiny model: {time.monotonic() - started:.1f} s")
    assert result["metrics"] == {"accuracy": 0.875, "threshold": 0.25}  # threshold proves env_vars reached build()
    assert result["tests"]["passed"] == 2
    assert result["build_id"].startswith("tiny_ok-c0ffeec0ff")
    # phase one's image (FROM the base image), not a serving image
    assert result["build_image"].startswith("automations-deps:")
    stored_dir = tmp_path / "artifacts" / "tiny_ok" / "builds" / result["build_id"]
    stored = json.loads((stored_dir / "result.json").read_text())
    assert stored["metrics"] == result["metrics"]
    assert result["artifact_uri"].endswith(f"/tiny_ok/builds/{result['build_id']}")
    json.dumps(result)  # XCom must be JSON-serialisable


def test_build_container_is_removed_afterwards(tmp_path, docker_settings, cleanup_containers, docker_engine):
    run_build("tiny_removed", tmp_path, docker_settings, cleanup_containers)
    assert docker_engine.containers.list(all=True, filters={"label": "io.automations.automation=tiny_removed"}) == []


def test_failing_model_test_fails_with_the_reason(tmp_path, docker_settings, cleanup_containers):
    with pytest.raises(DockerBuildFailed, match=r"(?s)tests failed.*failed on purpose"):
        run_build("tiny_test_fails", tmp_path, docker_settings, cleanup_containers, {"env_vars": ["TINY_FAIL_TEST=1"]})


def test_failing_build_fails_with_the_reason(tmp_path, docker_settings, cleanup_containers):
    with pytest.raises(DockerBuildFailed, match=r"(?s)build failed.*build failed on purpose"):
        run_build("tiny_build_fails", tmp_path, docker_settings, cleanup_containers, {"env_vars": ["TINY_MODE=fail"]})


def test_oom_kill_fails_with_the_reason(tmp_path, docker_settings, cleanup_containers):
    build = {"env_vars": ["TINY_MODE=oom"], "resources": {"cpu_fraction": 1, "memory": "128Mi"}}
    with pytest.raises(DockerBuildFailed, match="out of memory.*128 MiB"):
        run_build("tiny_oom", tmp_path, docker_settings, cleanup_containers, build)


def test_timeout_kills_the_container_and_fails(tmp_path, docker_settings, cleanup_containers):
    settings = docker_settings.replace(build_timeout_s=6)
    started = time.monotonic()
    with pytest.raises(DockerBuildFailed, match="timed out after 6 s"):
        run_build("tiny_sleeps", tmp_path, settings, cleanup_containers, {"env_vars": ["TINY_MODE=sleep"]})
    assert time.monotonic() - started < 60


def test_missing_image_fails_with_a_hint(tmp_path, docker_settings, cleanup_containers):
    with pytest.raises(DockerBuildFailed, match="not on the Docker engine.*ensure_base_image"):
        run_build("tiny_no_image", tmp_path, docker_settings, cleanup_containers,
                  {"base_image": "automations-missing:never"})


def test_instance_bigger_than_the_engine_still_builds_with_all_its_cpus(tmp_path, docker_settings, cleanup_containers,
                                                                       docker_engine):
    # "xlarge" asks for 8 CPUs; the engine refuses limits above its own count unless we clamp.
    result = run_build("tiny_xlarge", tmp_path, docker_settings, cleanup_containers,
                       {"resources": {"instance": "xlarge"}})
    assert result["metrics"]["accuracy"] == 0.875
