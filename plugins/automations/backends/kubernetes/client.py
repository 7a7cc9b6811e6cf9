"""The thin boundary to the Kubernetes API: get, list, server-side apply (optionally as a dry run), delete.

Everything above it (rollout.py, deploy.py) speaks plain manifest dicts through ``KubeClient``, so tests swap in a
fake at exactly this line. The real client uses the kubernetes package's DynamicClient because it is the one that
speaks server-side apply for any kind (built-ins and KEDA's ScaledObject alike) and returns plain dicts. API
failures cross the boundary as one type, ``KubeApiError`` (HTTP status + the server's message), so the logic above
never imports the kubernetes package.
"""

from __future__ import annotations

from typing import Any, Optional, Protocol

from .manifests import FIELD_MANAGER


class KubeApiError(Exception):
    """The API server refused a request: ``status`` is the HTTP code (404 also for a kind nobody installed)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status, self.reason, self.message = status, reason, message


class KubeClient(Protocol):
    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        """The live object as a dict, or None when it does not exist."""

    def list(self, api_version: str, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        """The objects of a kind in a namespace carrying every one of ``labels``."""

    def apply(
        self, manifest: dict[str, Any], *, field_manager: str = FIELD_MANAGER, force: bool = True, dry_run: bool = False
    ) -> dict[str, Any]:
        """Server-side apply (create or patch) as ``field_manager``; the live (or, dry run, would-be) object."""

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        """Delete an object (KubeApiError 404 when it is already gone)."""


def _translated(exc: Exception) -> KubeApiError:
    status = int(getattr(exc, "status", 0) or 0)
    reason = str(getattr(exc, "reason", "") or type(exc).__name__)
    return KubeApiError(status or 404, reason, str(getattr(exc, "body", exc)))


class DynamicKubeClient:
    """KubeClient over ``kubernetes.dynamic.DynamicClient`` (imported lazily: not on the DAG parse path)."""

    def __init__(self, api_client: Any) -> None:
        from kubernetes.dynamic import DynamicClient

        self._dynamic = DynamicClient(api_client)

    def _resource(self, api_version: str, kind: str) -> Any:
        from kubernetes.dynamic.exceptions import ResourceNotFoundError

        try:
            return self._dynamic.resources.get(api_version=api_version, kind=kind)
        except ResourceNotFoundError as exc:  # discovery: the kind's CRD is not installed
            raise KubeApiError(404, "NotFound", f"{api_version} {kind} is not served by this cluster: {exc}") from exc

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Optional[dict[str, Any]]:
        from kubernetes.dynamic.exceptions import ApiException, NotFoundError

        resource = self._resource(api_version, kind)
        try:
            return self._dynamic.get(resource, name=name, namespace=namespace).to_dict()
        except NotFoundError:
            return None
        except ApiException as exc:
            raise _translated(exc) from exc

    def list(self, api_version: str, kind: str, namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
        from kubernetes.dynamic.exceptions import ApiException

        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        try:
            found = self._dynamic.get(self._resource(api_version, kind), namespace=namespace, label_selector=selector)
        except ApiException as exc:
            raise _translated(exc) from exc
        return [item.to_dict() for item in found.items]

    def apply(
        self, manifest: dict[str, Any], *, field_manager: str = FIELD_MANAGER, force: bool = True, dry_run: bool = False
    ) -> dict[str, Any]:
        from kubernetes.dynamic.exceptions import ApiException

        resource = self._resource(manifest["apiVersion"], manifest["kind"])
        extra = {"dry_run": "All"} if dry_run else {}
        try:
            live = self._dynamic.server_side_apply(
                resource,
                body=manifest,
                namespace=manifest["metadata"]["namespace"],
                field_manager=field_manager,
                force_conflicts=force,
                **extra,
            )
        except ApiException as exc:
            raise _translated(exc) from exc
        return live.to_dict()

    def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        from kubernetes.dynamic.exceptions import ApiException

        try:
            self._dynamic.delete(self._resource(api_version, kind), name=name, namespace=namespace)
        except ApiException as exc:
            raise _translated(exc) from exc


def client_for(conn_id: str) -> KubeClient:
    """A KubeClient for an Airflow Kubernetes connection (in-cluster, kubeconfig or the connection's extras)."""
    from airflow.providers.cncf.kubernetes.hooks.kubernetes import KubernetesHook

    return DynamicKubeClient(KubernetesHook(conn_id=conn_id).get_conn())
