"""Pod Security "restricted" for every pod we render, written once.

The restricted profile (kubernetes.io/docs/concepts/security/pod-security-standards) needs, on every container
(init, main, sidecar): ``allowPrivilegeEscalation: false``, ``capabilities.drop: [ALL]``, ``runAsNonRoot: true``
and a ``RuntimeDefault`` (or Localhost) seccomp profile. We also fix the UID/GID, so images that declare no
``USER`` (python:3.11-slim, CUDA images) start as a non-root user instead of being refused by the kubelet
("container has runAsNonRoot and image will run as root"). ``HOME`` points at a writable emptyDir because that UID
has no home directory in such images.

The service-account token is never mounted: no pod of ours talks to the Kubernetes API. IRSA (EKS) and GKE
Workload Identity do not need it either: EKS's webhook projects its own token, GKE serves credentials from the
metadata server.
"""

from __future__ import annotations

from typing import Any

UID = 10001  # outside the usual system (0-999) and first-user (1000) ranges of base images
HOME = "/workspace"


def pod_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": UID,
        "runAsGroup": UID,
        "fsGroup": UID,  # volumes (the workspace emptyDir, the artifact claim) are writable by that group
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def secure_pod_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with the restricted contexts on the pod and on every container, and no API token."""
    spec = {**spec, "securityContext": pod_context(), "automountServiceAccountToken": False}
    for key in ("initContainers", "containers"):
        if key in spec:
            spec[key] = [{**c, "securityContext": container_context()} for c in spec[key]]
    return spec


# Kaniko unpacks the base image into its own root filesystem and runs the Dockerfile's RUN steps there, which
# needs UID 0 and the file-ownership capabilities. Pod Security "baseline" admits exactly that (no privileged
# mode, no privilege escalation, seccomp RuntimeDefault, only capabilities from baseline's list); "restricted"
# cannot, whatever the builder (BuildKit rootless needs seccomp and AppArmor Unconfined, which baseline refuses).
BUILDER_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "SETGID", "SETUID", "SETFCAP", "SYS_CHROOT"]


def builder_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": list(BUILDER_CAPABILITIES)},
        "runAsNonRoot": False,
        "runAsUser": 0,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
