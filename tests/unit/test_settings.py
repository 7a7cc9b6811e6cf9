"""The AUTOMATIONS_* variable names are the users' interface: each one must still reach its setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from automations.settings import Backend, OnFinishAction, SettingsError, SourceMode, get_settings

# variable -> (value set, where it lands, the value read); written out by hand so the table is the oracle.
VARIABLES = {
    "AUTOMATIONS_DIR": ("/defs", "automations_dir", Path("/defs")),
    "AUTOMATIONS_BACKEND": ("docker", "backend", Backend.docker),
    "AUTOMATIONS_STATE_DIR": ("/state", "state_dir", Path("/state")),
    "AUTOMATIONS_ARTIFACT_ROOT": ("s3://bucket/a", "artifact_root", "s3://bucket/a"),
    "AUTOMATIONS_ANALYTICS_CONN_ID": ("db", "analytics_conn_id", "db"),
    "AUTOMATIONS_DEPLOY_HOST": ("0.0.0.0", "deploy_host", "0.0.0.0"),
    "AUTOMATIONS_DEPLOY_TIMEOUT": ("12", "deploy_timeout_s", 12),
    "AUTOMATIONS_REGISTRY": ("reg:1", "registry", "reg:1"),
    "AUTOMATIONS_FIRST_DEPLOY_PASSES": ("false", "first_deploy_passes", False),
    "AUTOMATIONS_GATE_QUERY_TIMEOUT": ("7", "gate_query_timeout_s", 7),
    "AUTOMATIONS_ENVIRONMENTS_FILE": ("/envs.yaml", "environments_file", Path("/envs.yaml")),
    "AUTOMATIONS_K8S_NAMESPACE": ("ns", "kubernetes.namespace", "ns"),
    "AUTOMATIONS_K8S_CONN_ID": ("k", "kubernetes.conn_id", "k"),
    "AUTOMATIONS_BUILD_IMAGE": ("py:3", "kubernetes.build_image", "py:3"),
    "AUTOMATIONS_K8S_PLACEMENT_FILE": ("/p.yaml", "kubernetes.placement_file", "/p.yaml"),
    "AUTOMATIONS_K8S_ON_FINISH_ACTION": ("keep_pod", "kubernetes.on_finish_action", OnFinishAction.keep_pod),
    "AUTOMATIONS_K8S_ARTIFACT_PVC": ("pvc", "kubernetes.artifact_pvc", "pvc"),
    "AUTOMATIONS_K8S_ARTIFACT_MOUNT": ("/mnt", "kubernetes.artifact_mount", "/mnt"),
    "AUTOMATIONS_K8S_SOURCE": ("git", "kubernetes.source", SourceMode.git),
    "AUTOMATIONS_K8S_GIT_IMAGE": ("git:1", "kubernetes.git_image", "git:1"),
    "AUTOMATIONS_K8S_SERVICE_ACCOUNT": ("sa", "kubernetes.service_account", "sa"),
    "AUTOMATIONS_KANIKO_IMAGE": ("kaniko:1", "kubernetes.kaniko_image", "kaniko:1"),
    "AUTOMATIONS_REGISTRY_SECRET": ("creds", "kubernetes.registry_secret", "creds"),
    "AUTOMATIONS_KEDA_ENABLED": ("0", "kubernetes.keda_enabled", False),
    "AUTOMATIONS_PROMETHEUS_URL": ("http://p:9090", "kubernetes.prometheus_url", "http://p:9090"),
    "AUTOMATIONS_DOCKER_IMAGE": ("base:1", "docker.image", "base:1"),
    "AUTOMATIONS_DOCKER_NETWORK": ("bridge", "docker.network", "bridge"),
    "AUTOMATIONS_DOCKER_BUILD_TIMEOUT": ("60", "docker.build_timeout_s", 60),
    "AUTOMATIONS_LOCAL_KEEP_BUILDS": ("5", "local.keep_builds", 5),
}


def _read(settings, dotted: str):
    value = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("variable", sorted(VARIABLES))
def test_every_variable_name_still_reaches_its_setting(variable, monkeypatch):
    raw, where, expected = VARIABLES[variable]
    before = _read(get_settings(), where)
    monkeypatch.setenv(variable, raw)
    assert _read(get_settings(), where) == expected != before


def test_blank_and_padded_values(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_DOCKER_BUILD_TIMEOUT", "   ")
    monkeypatch.setenv("AUTOMATIONS_K8S_NAMESPACE", "")
    monkeypatch.setenv("AUTOMATIONS_BACKEND", " docker ")
    settings = get_settings()
    assert settings.docker.build_timeout_s == 3600 and settings.kubernetes.namespace == "models"
    assert settings.backend is Backend.docker


def test_artifact_root_follows_the_state_dir_unless_set(monkeypatch, tmp_path):
    monkeypatch.delenv("AUTOMATIONS_ARTIFACT_ROOT", raising=False)
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path))
    assert get_settings().artifact_root == f"file://{tmp_path}/artifacts"


@pytest.mark.parametrize(
    "variable, value",
    [
        ("AUTOMATIONS_BACKEND", "kubernets"),
        ("AUTOMATIONS_K8S_ON_FINISH_ACTION", "explode"),
        ("AUTOMATIONS_K8S_SOURCE", "ftp"),
        ("AUTOMATIONS_DEPLOY_TIMEOUT", "soon"),
        ("AUTOMATIONS_KEDA_ENABLED", "maybe"),
    ],
)
def test_a_bad_value_names_its_variable(variable, value, monkeypatch):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}='{value}'"):
        get_settings()


def test_settings_are_frozen_and_replace_changes_only_a_copy():
    settings = get_settings()
    with pytest.raises(ValueError):
        settings.deploy_host = "elsewhere"  # type: ignore[misc]
    changed = settings.replace(deploy_host="h", kubernetes={"namespace": "n"})
    assert (changed.deploy_host, changed.kubernetes.namespace) == ("h", "n")
    assert (settings.deploy_host, settings.kubernetes.namespace) == ("127.0.0.1", "models")
    assert changed.kubernetes.conn_id == settings.kubernetes.conn_id


def test_the_placement_tables_are_named_in_every_backend_slice(monkeypatch, tmp_path):
    """Kubernetes places pods by them, docker and local read instance sizes from them: one pair of variables."""
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_FILE", "/p.yaml")
    monkeypatch.setenv("AUTOMATIONS_K8S_PLACEMENT_PROFILE", "gke")
    settings = get_settings()
    for backend in Backend:
        own = settings.backend_slice(backend)
        assert (own.placement_file, str(own.placement_profile)) == ("/p.yaml", "gke"), backend
