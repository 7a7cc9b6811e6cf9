"""Pure parts of push_image and deploy: the serving Dockerfile and the serving container's plan."""

import json

import pytest

from automations.backends.docker.deploy import plan_container
from automations.backends.docker.image import ARTIFACT_DIR, PORT, render_dockerfile, serving_labels
from model_runtime import contract
from support.runs import build_result

pytestmark = pytest.mark.unit
BUILD = build_result({}, "tiny-0123456789-abcdef", commit="0123456789abcdef" * 2, artifact_uri="file:///x")


def test_dockerfile_serves_the_artifact_with_model_runtime(automation):
    text = render_dockerfile("automations-base:test", serving_labels(automation, BUILD))
    lines = text.splitlines()
    assert lines[0] == "FROM automations-base:test"
    assert f"COPY artifact {ARTIFACT_DIR}" in lines
    # One layout for every backend's serving image (serving_image.py): the same as the kubernetes one.
    assert "COPY model_runtime /opt/model_runtime/model_runtime" in lines
    assert "ENV PYTHONPATH=/opt/model_runtime PYTHONUNBUFFERED=1" in lines
    run = json.loads(next(line for line in lines if line.startswith("RUN "))[4:])
    # The artifact's src/ carries the dependency list the clone step wrote: the same list the build installed.
    assert run == ["python", "-m", "model_runtime", "install", "--source", "/artifact/src"]
    entry = json.loads(next(line for line in lines if line.startswith("ENTRYPOINT "))[11:])
    cmd = json.loads(next(line for line in lines if line.startswith("CMD "))[4:])
    assert entry + cmd == contract.serve_command("python", ARTIFACT_DIR, PORT)
    assert not any(line.startswith("USER ") for line in lines)  # the docker backend's server runs as the image says
    assert "io.automations.build_id=tiny-0123456789-abcdef" in text


def test_dockerfile_label_values_are_quoted(make_automation):
    automation = make_automation()
    labels = {**serving_labels(automation, BUILD), "io.automations.note": "two words"}
    assert "io.automations.note='two words'" in render_dockerfile("b", labels)


def test_serving_container_plan(automation, settings):
    plan = plan_container(automation, BUILD, "localhost:5000/tiny_model:0123456789ab", settings)
    assert plan.environment == {
        "SERVE_MODE": "fast",
        contract.ENV_WORKERS: "3",
        contract.ENV_TIMEOUT_MS: "1500",
        contract.ENV_MAX_BATCH: "8",
        contract.ENV_DAEMON_MODE: "false",
        # What it serves, as on the other backends (docker once left these out).
        contract.ENV_MODEL_ID: automation.model_id,
        contract.ENV_AUTOMATION: automation.name,
        contract.ENV_BUILD_ID: BUILD.build_id,
    }
    assert plan.labels["io.automations.variation"] == "default"
    assert plan.labels["io.automations.role"] == "serving"
    assert plan.mem_limit == 2**30 and plan.nano_cpus == 500_000_000
    assert plan.timeout_s == 45


def test_deploy_timeout_falls_back_to_the_setting(make_automation, settings):
    automation = make_automation()
    plain = automation.model_copy(update={"action": automation.action.model_copy(
        update={"deployment_spec": automation.action.deployment_spec.model_copy(update={"deployment_timeout": None})})})
    assert plan_container(plain, BUILD, "img", settings).timeout_s == settings.deploy_timeout_s


def test_tests_it_run_in_the_serving_image_inside_the_new_containers_network(automation, settings):
    from automations.backends.docker.integration import plan_tests

    serving = plan_container(automation, BUILD, "localhost:5000/tiny_model:0123456789ab", settings)
    plan = plan_tests(serving.image, "c0ffee", serving.environment, serving.labels)
    assert plan.image == serving.image  # the build's dependencies, the artifact and its src/tests/it
    assert plan.network_mode == "container:c0ffee"  # 127.0.0.1 is the new container, not the gateway's split
    assert list(plan.command) == contract.integration_command(
        "python", f"{ARTIFACT_DIR}/{contract.SOURCE_DIR}", f"http://127.0.0.1:{PORT}", "/tmp/integration.json"
    )
    assert plan.environment[contract.ENV_MODEL_ID] == "tiny_model" and plan.environment["PYTHONUNBUFFERED"] == "1"
    # Labelled like the server (same automation) with its own role: cleanup and `_serving_containers` tell them apart.
    assert plan.labels["io.automations.automation"] == "tiny" and plan.labels["io.automations.role"] == "integration"


def test_a_model_without_tests_it_is_skipped_without_starting_a_container(tmp_path, automation, settings):
    from automations.backends.docker.integration import plan_tests, run_integration_tests

    (tmp_path / contract.SOURCE_DIR / "main").mkdir(parents=True)
    (tmp_path / contract.ARTIFACT_FILE).write_bytes(b"model")
    plan = plan_tests("img", "c0ffee", {}, {})
    # No engine at all: a client whose every use would raise shows that nothing was started.
    tested = run_integration_tests(object(), plan, str(tmp_path))
    assert (tested.status, tested.reason) == ("skipped", "the model has no tests/it/ directory")
    # Not on this machine (built elsewhere): the container has to find out, and any engine error is a skip.
    elsewhere = run_integration_tests(object(), plan, str(tmp_path / "gone"))
    assert elsewhere.status == "skipped" and elsewhere.reason.startswith("tests/it/ could not run: AttributeError")
