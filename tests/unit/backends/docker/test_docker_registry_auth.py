"""push_image's registry credential: an Airflow Connection (here from the environment secrets backend)."""

from __future__ import annotations

import json

import pytest

from automations.backends.docker import image
from automations.backends.docker.registry_auth import RegistryCredentialMissing, registry_auth

pytestmark = pytest.mark.unit


def test_no_connection_configured_means_the_engines_own_login():
    assert registry_auth("") is None


def test_the_connection_login_and_password_are_sent(monkeypatch):
    conn = {"conn_type": "docker", "host": "localhost:5001", "login": "pusher", "password": "s3cret-registry-pw"}
    monkeypatch.setenv("AIRFLOW_CONN_MY_REGISTRY", json.dumps(conn))
    assert registry_auth("my_registry") == {"username": "pusher", "password": "s3cret-registry-pw"}


def test_a_missing_or_passwordless_connection_fails_naming_it(monkeypatch):
    with pytest.raises(RegistryCredentialMissing, match="'nowhere' not found"):
        registry_auth("nowhere")
    monkeypatch.setenv("AIRFLOW_CONN_HALF", json.dumps({"conn_type": "docker", "login": "pusher"}))
    with pytest.raises(RegistryCredentialMissing, match="'half' needs a login and a password"):
        registry_auth("half")


def test_push_hands_the_credential_to_the_engine_per_push(monkeypatch):
    calls = []

    class Images:
        def push(self, repository, **kwargs):
            calls.append((repository, kwargs))
            return iter([{"status": "pushed"}, {"aux": {"Digest": "sha256:abc"}}])

    class Client:
        images = Images()

    monkeypatch.setattr(image.engine, "client", lambda: Client())
    auth = {"username": "pusher", "password": "pw"}
    assert image.push("localhost:5001/m:0123", auth) == "sha256:abc"
    assert calls == [("localhost:5001/m", {"tag": "0123", "stream": True, "decode": True, "auth_config": auth})]
