import json
import shlex

import pytest

from automations.backends.docker import plan as docker_plan
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


def test_command_installs_then_builds_with_the_contract(automation, settings):
    sh, flag, script = plan_build(automation, settings).command
    assert (sh, flag) == ("sh", "-c")
    install = shlex.join(contract.install_command("python", docker_plan.SOURCE_DIR, "main"))
    build = shlex.join(contract.build_command("python", docker_plan.SOURCE_DIR, "main", docker_plan.OUTPUT_DIR))
    assert script == f"set -e; {install}; exec {build}"


def test_dependency_file_and_main_dir_reach_the_install(settings, make_automation):
    automation = make_automation(main_dir="src_main", dependency_file_path="reqs/prod.txt")
    script = plan_build(automation, settings).command[2]
    assert "--main-dir src_main" in script and "--dependency-file reqs/prod.txt" in script


def test_environment_carries_env_vars_parameters_and_ids(automation, settings):
    env = plan_build(automation, settings).environment
    assert env["A"] == "1" and env["GREETING"] == "hello world"
    assert json.loads(env[contract.ENV_PARAMETERS]) == {"max_iter": "500", "note": "{{ not a template }}"}
    assert env[contract.ENV_MODEL_ID] == "tiny_model"
    assert env[contract.ENV_AUTOMATION] == "tiny"
    assert env["PYTHONPATH"] == docker_plan.RUNTIME_ROOT


def test_labels_name_the_automation_and_tags(automation, settings):
    labels = plan_build(automation, settings).labels
    assert labels["io.automations.automation"] == "tiny"
    assert labels["io.automations.role"] == "build"
    assert labels["io.automations.tags"] == "demo,docker"
