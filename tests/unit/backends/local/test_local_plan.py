"""Pure parts of the local backend: the server plan, the runtime env, the build env, the venv command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from automations.backends.local.build import runtime_env
from automations.backends.local.deploy import plan_server, server_env
from automations.backends.local.environment import BuildEnv, venv_command
from automations.gateway.control import connect_host
from automations.settings import get_settings
from automations.spec import Automation
from model_runtime import contract
from support.runs import build_result

pytestmark = pytest.mark.unit


def automation(**deployment) -> Automation:
    spec = Automation.model_validate(
        {
            "name": "plan_test",
            "model_id": "plan-model",
            "action": {
                "build_spec": {"git_uri": "file:///r.git#m", "env_vars": ["A=1"], "parameters": {"lr": 0.1}},
                "deployment_spec": {"env_vars": ["SERVE_FLAG=on"], **deployment},
            },
        }
    )
    return spec


@pytest.fixture
def settings(tmp_path):
    return get_settings().replace(state_dir=tmp_path, deploy_host="127.0.0.1", deploy_timeout_s=300).local


BUILD = build_result(
    {}, "plan_test-abc-123", python="/envs/b/venv/bin/python", runtime_path="/envs/b/runtime"
)


def test_plan_carries_the_deployment_spec(settings):
    spec = automation(
        number_of_http_server_workers=3,
        http_request_timeout_ms=700,
        max_batch_size=8,
        variation_name="blue",
        deployment_timeout=42,
    )
    plan = plan_server(spec, BUILD, Path("/art"), 5123, settings, {"PATH": "/bin", "PYTHONPATH": "/leak"})
    env = dict(plan.env)
    assert plan.command == (
        "/envs/b/venv/bin/python",
        "-m",
        "model_runtime",
        "serve",
        "--artifact",
        "/art",
        "--host",
        "127.0.0.1",
        "--port",
        "5123",
    )
    assert (env[contract.ENV_WORKERS], env[contract.ENV_TIMEOUT_MS], env[contract.ENV_MAX_BATCH]) == ("3", "700", "8")
    assert env["SERVE_FLAG"] == "on" and env["PATH"] == "/bin"
    assert env["PYTHONPATH"] == "/envs/b/runtime", "only the runtime copy, never the worker's own path"
    assert env[contract.ENV_BUILD_ID] == BUILD.build_id and env[contract.ENV_MODEL_ID] == "plan-model"
    assert plan.endpoint == "http://127.0.0.1:5123"
    assert plan.timeout_s == 42 and plan.variation == "blue" and plan.cwd == "/art"
    assert plan.log_file.startswith(str(settings.deployments_dir / "logs"))
    assert "plan_test--blue--" in plan.log_file


def test_timeout_falls_back_to_settings(settings):
    assert plan_server(automation(), BUILD, Path("/a"), 1, settings, {}).timeout_s == 300


def test_any_address_is_reached_on_loopback(settings):
    assert connect_host("0.0.0.0") == "127.0.0.1" and connect_host("::") == "::1"
    plan = plan_server(automation(), BUILD, Path("/a"), 80, settings.replace(deploy_host="0.0.0.0"), {})
    assert plan.endpoint == "http://127.0.0.1:80"


def test_server_env_does_not_leak_python_paths_or_airflow_secrets():
    base = {
        "VIRTUAL_ENV": "/x",
        "PYTHONHOME": "/y",
        "KEEP": "1",
        "AIRFLOW_CONN_MODEL_ANALYTICS": "postgres://u:pw@h/db",
        "AIRFLOW__CORE__FERNET_KEY": "k",
        "_AIRFLOW_PARSING_CONTEXT_DAG_ID": "d",
        "AUTOMATIONS_DIR": "/defs",
    }
    env = server_env(automation(), "b1", "/rt", base)
    assert env["KEEP"] == "1"
    assert not {"VIRTUAL_ENV", "PYTHONHOME", "AUTOMATIONS_DIR"} & env.keys()
    assert not [k for k in env if "AIRFLOW" in k], "the model process must never see Airflow's connections"


def test_runtime_env_for_the_build():
    env = runtime_env(automation(), "b1", "/usr/bin/uv")
    assert env["A"] == "1"
    assert json.loads(env[contract.ENV_PARAMETERS]) == {"lr": "0.1"}  # the spec keeps parameters as strings
    assert (env[contract.ENV_BUILD_ID], env[contract.ENV_AUTOMATION], env[contract.ENV_UV]) == (
        "b1",
        "plan_test",
        "/usr/bin/uv",
    )
    assert contract.ENV_UV not in runtime_env(automation(), "b1", None)


def test_build_env_exposes_only_the_runtime(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONPATH", "/airflow/plugins")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("AIRFLOW_CONN_SECRET", "postgres://u:pw@h/db")
    benv = BuildEnv(root=tmp_path, python=tmp_path / "venv/bin/python", runtime_path=tmp_path / "runtime")
    env = benv.process_env({"X": "1"})
    assert env["PYTHONPATH"] == str(tmp_path / "runtime") and env["X"] == "1"
    assert "PYTHONDONTWRITEBYTECODE" not in env, "bytecode caching keeps the second import of pandas fast"
    assert "AIRFLOW_CONN_SECRET" not in env


def test_venv_command_prefers_uv(tmp_path):
    assert venv_command(tmp_path, "/bin/uv")[:2] == ["/bin/uv", "venv"]
    assert venv_command(tmp_path, None)[1:3] == ["-m", "venv"]


def test_deploy_without_the_build_venv_fails_clearly(settings):
    from automations.backends.errors import DeployFailed
    from automations.backends.local.deploy import deploy

    with pytest.raises(DeployFailed, match="no longer exists"):
        deploy(automation(), BUILD.model_copy(update={"python": "/nowhere/python"}), None, settings)
    assert not settings.deployments_dir.exists() or not list(settings.deployments_dir.glob("*.json"))
