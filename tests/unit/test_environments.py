"""Environments: names in definitions -> Kubernetes connection id and namespace, from include/config."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from automations import environments
from automations.environments import Environment, EnvironmentsFileError
from automations.settings import PROJECT_ROOT, get_settings
from automations.spec import Automation

pytestmark = pytest.mark.unit


def spec(envs: list[str] | None = None, environment: str = "") -> Automation:
    deployment = {"environments": envs} if envs is not None else {}
    return Automation.model_validate({
        "name": "churn", "model_id": "churn", "environment": environment,
        "action": {"build_spec": {"git_uri": "https://example.com/m.git"}, "deployment_spec": deployment},
    })


@pytest.fixture()
def settings(tmp_path):
    path = tmp_path / "environments.yaml"
    path.write_text(yaml.safe_dump({"environments": {
        "staging": {"conn_id": "k8s_stage", "namespace": "models-staging"},
        "production": {"conn_id": "k8s_prod", "namespace": "models"},
    }}))
    return get_settings().replace(
        environments_file=path, kubernetes={"conn_id": "k8s_default", "namespace": "default-ns"}
    ).kubernetes


def test_the_shipped_file_loads_and_names_valid_namespaces():
    path = PROJECT_ROOT / "include" / "config" / "environments.yaml"
    shipped = get_settings().kubernetes.replace(environments_file=path)
    loaded = environments.load_environments(shipped)
    assert {"production", "staging"} <= loaded.keys()
    assert all(env.conn_id and env.namespace for env in loaded.values())


def test_unknown_environments_lists_only_the_unknown_in_order(settings):
    assert environments.unknown_environments(spec(["prod", "staging", "qa"]), settings) == ["prod", "qa"]
    assert environments.unknown_environments(spec(["staging", "production"]), settings) == []
    assert environments.unknown_environments(spec([]), settings) == []


def test_automation_environment_is_the_fallback_name(settings):
    assert environments.unknown_environments(spec(environment="nowhere"), settings) == ["nowhere"]
    assert environments.resolve(spec(environment="staging"), settings) == [
        Environment("staging", "k8s_stage", "models-staging")]


def test_resolve_maps_names_in_the_given_order(settings):
    assert environments.resolve(spec(["production", "staging"]), settings) == [
        Environment("production", "k8s_prod", "models"), Environment("staging", "k8s_stage", "models-staging")]


def test_no_environment_means_the_settings_default(settings):
    assert environments.resolve(spec(), settings) == [Environment("default", "k8s_default", "default-ns")]


def test_resolve_refuses_an_unknown_name(settings):
    expected = r"unknown environment\(s\) \['qa'\].*known: \['production', 'staging'\]"
    with pytest.raises(EnvironmentsFileError, match=expected):
        environments.resolve(spec(["qa"]), settings)


def test_missing_file_means_no_named_environments(settings, tmp_path):
    none = settings.replace(environments_file=tmp_path / "absent.yaml")
    assert environments.load_environments(none) == {}
    assert environments.unknown_environments(spec(["staging"]), none) == ["staging"]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("environments: [a, b]", "expected a mapping"),
        ("environments:\n  prod: {conn_id: k}", "give exactly 'conn_id' and 'namespace'"),
        ("environments:\n  prod: {conn_id: k, namespace: Bad_NS}", "is not a valid namespace"),
        ("environments:\n  prod: {conn_id: '', namespace: ns}", "must not be empty"),
        ("environments: {prod: [", "not valid YAML"),
    ],
)
def test_malformed_files_name_the_file_and_entry(tmp_path, content, reason):
    path = tmp_path / "environments.yaml"
    path.write_text(content)
    with pytest.raises(EnvironmentsFileError, match=reason) as err:
        environments.load_environments(get_settings().kubernetes.replace(environments_file=path))
    assert str(path) in str(err.value)


def test_an_edited_file_is_read_again(settings):
    path = Path(settings.environments_file)
    assert "qa" not in environments.load_environments(settings)
    path.write_text(yaml.safe_dump({"environments": {"qa": {"conn_id": "k", "namespace": "qa"}}}) + "\n# edited\n")
    assert list(environments.load_environments(settings)) == ["qa"]
