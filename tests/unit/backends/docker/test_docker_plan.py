import json

import pytest

from automations.backends.docker.plan import plan_build
from model_runtime import contract

pytestmark = pytest.mark.unit


def test_plan_uses_the_default_image_and_settings(automation, settings):
    plan = plan_build(automation, settings)
    assert plan.image == "automations-base:test"
    assert plan.network_mode == "none"
    assert plan.timeout_s == 123
    assert (plan.resources.cpus, plan.resources.mem_limit) == (1.5, 768 * 2**20)


def test_base_image_overrides_the_default(settings, make_automation):
    assert plan_build(make_automation(base_image="my/python:3.11"), settings).image == "my/python:3.11"


def test_build_container_only_builds_the_install_is_phase_one(automation, settings):
    plan = plan_build(automation, settings)
    # Written out: the container's paths and model_runtime's command line are what the image and runtime expect.
    assert plan.command == (
        "sh",
        "-c",
        "set -e; exec python -m model_runtime build --source /workspace/source --main-dir main "
        "--output /workspace/output",
    )
    assert plan.install.command == ("python", "-m", "model_runtime", "install", "--source", "/workspace/source")
    assert plan.network_mode == "none" and plan.install.network_mode == "bridge"


def test_the_install_reads_the_clones_list_whatever_the_dependency_file(settings, make_automation):
    automation = make_automation(main_dir="src_main", dependency_file_path="reqs/prod.txt")
    command = plan_build(automation, settings).install.command
    assert command == plan_build(make_automation(), settings).install.command  # clone translated the file
    assert "reqs/prod.txt" not in " ".join(command) and "src_main" not in " ".join(command)


def test_install_phase_mirror_and_wheelhouse(settings, make_automation):
    plan = plan_build(make_automation(), settings.replace(wheelhouse="/srv/wheels")).install
    assert plan.environment["PIP_FIND_LINKS"] == "/wheelhouse" and plan.environment["PIP_NO_INDEX"] == "1"
    mirrored = settings.replace(wheelhouse="/srv/wheels", index_url="https://mirror/simple")
    env = plan_build(make_automation(), mirrored).install.environment
    assert env["PIP_INDEX_URL"] == env["UV_INDEX_URL"] == "https://mirror/simple" and "PIP_NO_INDEX" not in env


def test_deps_key_changes_with_the_dependency_list_only(tmp_path):
    from automations.backends.docker.install_phase import deps_key
    from automations.steps.clone import write_dependency_list

    (tmp_path / "main").mkdir()
    (tmp_path / "main" / "requirements.txt").write_text("six==1.16\n")
    write_dependency_list(tmp_path, "main", None, "m")
    first = deps_key("sha256:base", tmp_path)
    (tmp_path / "main" / "model.py").write_text("# code changes do not matter\n")
    write_dependency_list(tmp_path, "main", None, "m")
    assert deps_key("sha256:base", tmp_path) == first
    assert deps_key("sha256:other", tmp_path) != first
    (tmp_path / "main" / "requirements.txt").write_text("six==1.17\n")
    write_dependency_list(tmp_path, "main", None, "m")
    assert deps_key("sha256:base", tmp_path) != first
    # A newly imported Qwak library changes what is installed, so it changes the key too.
    (tmp_path / "main" / "requirements.txt").write_text("six==1.16\n")
    (tmp_path / "main" / "model.py").write_text("import qwak\n")
    write_dependency_list(tmp_path, "main", None, "m")
    assert deps_key("sha256:base", tmp_path) not in (first, deps_key("sha256:other", tmp_path))


def test_environment_carries_env_vars_parameters_and_ids(automation, settings):
    env = plan_build(automation, settings).environment
    assert env["A"] == "1" and env["GREETING"] == "hello world"
    assert json.loads(env[contract.ENV_PARAMETERS]) == {"max_iter": "500", "note": "{{ not a template }}"}
    assert env[contract.ENV_MODEL_ID] == "tiny_model"
    assert env[contract.ENV_AUTOMATION] == "tiny"
    assert env["PYTHONPATH"] == "/opt/automations"  # where the build image holds model_runtime


def test_labels_name_the_automation_and_tags(automation, settings):
    labels = plan_build(automation, settings).labels
    assert labels["io.automations.automation"] == "tiny"
    assert labels["io.automations.role"] == "build"
    assert labels["io.automations.tags"] == "demo,docker"
