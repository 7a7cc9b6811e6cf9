"""The thin boundary to the Kubernetes API: get an object, server-side apply an object. Nothing else.

Everything above it (rollout.py, deploy.py) speaks plain manifest dicts through ``KubeClient``, so tests swap in a
fake at exactly this line. The real client uses the kubernetes package's DynamicClient because it is the one that
speaks server-side apply for any kind (built-ins and KEDA's ScaledObject alike) and returns plain dicts.
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

from .manifests import FIELD_MANAGER


class KubeClient(Protocol):
    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        """The live object as a dict, or None when it does not exist."""

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply (create or patch, field manager ``automations``, conflicts forced); the live object."""


class DynamicKubeClient:
    """KubeClient over ``kubernetes.dynamic.DynamicClient`` (imported lazily: not on the DAG parse path)."""

    def __init__(self, api_client: Any) -> None:
        from kubernetes.dynamic import DynamicClient

        self._dynamic = DynamicClient(api_client)

    def _resource(self, api_version: str, kind: str) -> Any:
        return self._dynamic.resources.get(api_version=api_version, kind=kind)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        from kubernetes.dynamic.exceptions import NotFoundError

        try:
            return self._dynamic.get(self._resource(api_version, kind), name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None

    def apply(self, manifest: dict[str, Any]) -> dict[str, Any]:
        resource = self._resource(manifest["apiVersion"], manifest["kind"])
        # force_conflicts: we own these objects; a hand edit (kubectl scale/edit) must not block a deploy.
        live = self._dynamic.server_side_apply(
            resource,
            body=manifest,
            namespace=manifest["metadata"]["namespace"],
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
        )
        return live.to_dict()


def client_for(conn_id: str) -> KubeClient:
    """A KubeClient for an Airflow Kubernetes connection (in-cluster, kubeconfig or the connection's extras)."""
    from airflow.providers.cncf.kubernetes.hooks.kubernetes import KubernetesHook

    return DynamicKubeClient(KubernetesHook(conn_id=conn_id).get_conn())
