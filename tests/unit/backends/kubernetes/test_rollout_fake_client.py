"""client.DynamicKubeClient against a FAKE DynamicClient: server-side apply with our field manager, NotFound -> None.

This pins what crosses the boundary (the real kubernetes.dynamic calls and their arguments); no cluster is involved.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.dynamic.exceptions import ConflictError, NotFoundError

from automations.backends.kubernetes import client as kube_client
from automations.backends.kubernetes.client import KubeApiError

pytestmark = [pytest.mark.unit, pytest.mark.kubernetes_fake]


class FakeInstance:
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        return self._data


class FakeResources:
    def get(self, api_version: str, kind: str) -> tuple[str, str]:
        return (api_version, kind)


class FakeDynamicClient:
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def __init__(self, api_client: Any) -> None:
        self.api_client = api_client
        self.resources = FakeResources()

    def get(self, resource: Any, name: str, namespace: str) -> FakeInstance:
        self.calls.append(("get", resource, {"name": name, "namespace": namespace}))
        if name == "missing":
            raise NotFoundError(type("E", (), {"status": 404, "reason": "Not Found", "body": "", "headers": {}})())
        return FakeInstance({"metadata": {"name": name}})

    def server_side_apply(self, resource: Any, body: dict[str, Any], **kwargs: Any) -> FakeInstance:
        self.calls.append(("apply", resource, kwargs))
        if body["metadata"]["name"] == "conflicting":
            raise ConflictError(_api_error(409, "Conflict"))
        return FakeInstance({**body, "status": {}})

    def delete(self, resource: Any, name: str, namespace: str) -> None:
        self.calls.append(("delete", resource, {"name": name, "namespace": namespace}))


def _api_error(status: int, reason: str) -> Any:
    return type("E", (), {"status": status, "reason": reason, "body": "conflict with kube-controller-manager",
                          "headers": {}})()


@pytest.fixture()
def fake_client(monkeypatch):
    import kubernetes.dynamic

    FakeDynamicClient.calls = []
    monkeypatch.setattr(kubernetes.dynamic, "DynamicClient", FakeDynamicClient)
    return kube_client.DynamicKubeClient(api_client=object())


def test_fake_dynamic_apply_is_server_side_with_our_field_manager_and_forced(fake_client):
    manifest = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": {"name": "m", "namespace": "ns"}}
    live = fake_client.apply(manifest)
    assert live["status"] == {}
    (call,) = FakeDynamicClient.calls
    assert call == ("apply", ("keda.sh/v1alpha1", "ScaledObject"),
                    {"namespace": "ns", "field_manager": "automations", "force_conflicts": True})


def test_fake_dynamic_get_returns_none_when_not_found(fake_client):
    assert fake_client.get("apps/v1", "Deployment", "ns", "missing") is None
    assert fake_client.get("apps/v1", "Deployment", "ns", "there") == {"metadata": {"name": "there"}}


def test_fake_dynamic_dry_run_and_a_second_manager_reach_the_query_parameters(fake_client):
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "m", "namespace": "ns"}}
    fake_client.apply(manifest, field_manager="automations-handover", force=False, dry_run=True)
    (call,) = FakeDynamicClient.calls
    assert call[2] == {"namespace": "ns", "field_manager": "automations-handover", "force_conflicts": False,
                       "dry_run": "All"}


def test_fake_dynamic_api_errors_cross_the_boundary_as_kube_api_error(fake_client):
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "conflicting", "namespace": "n"}}
    with pytest.raises(KubeApiError) as err:
        fake_client.apply(manifest)
    assert err.value.status == 409 and "kube-controller-manager" in err.value.message


def test_fake_dynamic_delete(fake_client):
    fake_client.delete("keda.sh/v1alpha1", "ScaledObject", "ns", "m")
    call = ("delete", ("keda.sh/v1alpha1", "ScaledObject"), {"name": "m", "namespace": "ns"})
    assert FakeDynamicClient.calls == [call]
