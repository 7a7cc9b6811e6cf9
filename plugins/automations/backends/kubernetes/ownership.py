"""Server-side-apply ownership: who owns a field (from ``metadata.managedFields``), and the replicas hand-over.

When an autoscaler (KEDA's HPA or our own HPA) owns a Deployment's scale we stop sending ``spec.replicas``. Simply
dropping it from our applied configuration is a trap: the API server removes fields a manager stops applying when
no other manager owns them, and ``replicas`` then defaults to 1. The Kubernetes docs' hand-over ("Transferring
ownership", server-side apply) avoids it: a second manager first applies only ``replicas`` with the live value
(shared ownership, no conflict), then our manager applies without it and so releases only its own claim. The
autoscaler's controller takes the field over with its next scale update.
"""

from __future__ import annotations

from typing import Any

HANDOVER_MANAGER = "automations-handover"
REPLICAS = ("spec", "replicas")


def owners(live: dict[str, Any], path: tuple[str, ...]) -> set[str]:
    """The managers whose fieldsV1 set contains ``path`` (plain field names, e.g. ``("spec", "replicas")``)."""
    found = set()
    for entry in live.get("metadata", {}).get("managedFields") or []:
        node: Any = entry.get("fieldsV1") or {}
        for part in path:
            node = node.get("f:" + part) if isinstance(node, dict) else None
            if node is None:
                break
        else:
            found.add(entry["manager"])
    return found


def replicas_handover(live: dict[str, Any]) -> dict[str, Any]:
    """The partial configuration the hand-over manager applies: identity plus the live replica count."""
    meta = live["metadata"]
    return {
        "apiVersion": live.get("apiVersion", "apps/v1"),
        "kind": "Deployment",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
        "spec": {"replicas": live["spec"].get("replicas", 1)},
    }
