"""The one build environment and the one model-server environment, and that every backend hands them on."""

from __future__ import annotations

import pytest

from automations import model_env
from automations.spec import Automation
from model_runtime import contract

pytestmark = pytest.mark.unit

CONTRACT_BUILD = {contract.ENV_AUTOMATION, contract.ENV_MODEL_ID, contract.ENV_PARAMETERS}
CONTRACT_SERVER = {
    contract.ENV_WORKERS, contract.ENV_TIMEOUT_MS, contract.ENV_MAX_BATCH, contract.ENV_DAEMON_MODE,
    contract.ENV_MODEL_ID, contract.ENV_AUTOMATION, contract.ENV_BUILD_ID,
}


def automation(daemon_mode: bool = False) -> Automation:
    return Automation.model_validate({
        "name": "env_test",
        "model_id": "env-model",
        "action": {
            "build_spec": {
                "git_uri": "file:///r.git#m",
                # A user env_var named like a contract variable must not reach the runtime in its place.
                "env_vars": ["A=1", f"{contract.ENV_MODEL_ID}=spoofed"],
                "parameters": {"z": 1, "a": 2},
            },
            "deployment_spec": {
                "env_vars": ["SERVE_FLAG=on", f"{contract.ENV_WORKERS}=99"],
                "number_of_http_server_workers": 3,
                "http_request_timeout_ms": 1500,
                "max_batch_size": 8,
                "daemon_mode": daemon_mode,
            },
        },
    })


def test_build_env_user_variables_then_the_contract_which_wins():
    env = model_env.build_env(automation(), "b-1")
    assert env == {
        "A": "1",
        contract.ENV_MODEL_ID: "env-model",
        contract.ENV_AUTOMATION: "env_test",
        contract.ENV_PARAMETERS: '{"a": "2", "z": "1"}',  # sorted; the spec keeps parameters as strings
        contract.ENV_BUILD_ID: "b-1",
    }
    assert contract.ENV_BUILD_ID not in model_env.build_env(automation())


@pytest.mark.parametrize(("daemon", "spelled"), [(True, "true"), (False, "false")])
def test_server_env_spells_the_daemon_flag_one_way(daemon, spelled):
    assert model_env.server_env(automation(daemon), "b-1")[contract.ENV_DAEMON_MODE] == spelled


def test_server_env_typed_fields_win_and_it_names_what_it_serves():
    env = model_env.server_env(automation(), "b-1")
    assert env == {
        "SERVE_FLAG": "on",
        contract.ENV_WORKERS: "3",
        contract.ENV_TIMEOUT_MS: "1500",
        contract.ENV_MAX_BATCH: "8",
        contract.ENV_DAEMON_MODE: "false",
        contract.ENV_MODEL_ID: "env-model",
        contract.ENV_AUTOMATION: "env_test",
        contract.ENV_BUILD_ID: "b-1",
    }
    fixed = model_env.server_env(automation(), "b-1", port=8000, drain_s=20)
    assert (fixed[contract.ENV_PORT], fixed[contract.ENV_DRAIN_S]) == ("8000", "20")


def test_every_backend_builds_with_the_same_contract_values(monkeypatch):
    from automations.backends.docker.plan import build_environment
    from automations.backends.kubernetes import build_pod
    from automations.backends.local.build import runtime_env
    from automations.settings import get_settings

    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "localhost:5000")
    spec = automation()
    wanted = {k: v for k, v in model_env.build_env(spec).items() if k in CONTRACT_BUILD}
    kubernetes = build_pod.plan(spec, get_settings().kubernetes).env
    for env in (build_environment(spec), kubernetes, runtime_env(spec, "b-1", None)):
        assert {k: env[k] for k in CONTRACT_BUILD} == wanted


def test_every_backend_serves_with_the_same_contract_values(monkeypatch, tmp_path):
    from pathlib import Path

    from automations.backends.docker.deploy import plan_container
    from automations.backends.kubernetes.deploy import _server_env
    from automations.backends.local.deploy import server_env
    from automations.settings import get_settings
    from support.runs import build_result

    monkeypatch.setenv("AUTOMATIONS_REGISTRY", "localhost:5000")
    spec, build = automation(daemon_mode=True), build_result({}, "b-1", artifact_uri="file:///x")
    wanted = {k: v for k, v in model_env.server_env(spec, "b-1").items() if k in CONTRACT_SERVER}
    docker = plan_container(spec, build, "img", get_settings().docker).environment
    kubernetes = dict(_server_env(spec, "b-1"))
    local = server_env(spec, "b-1", str(Path("/rt")), {})
    for env in (docker, kubernetes, local):
        assert {k: env[k] for k in CONTRACT_SERVER} == wanted
    assert all(isinstance(v, str) for env in (docker, kubernetes, local) for v in env.values())
