"""The Pod Security Standards "restricted" profile as a checker, written from the Kubernetes docs
(https://kubernetes.io/docs/concepts/security/pod-security-standards/), independent of the code that renders pods.

Baseline controls (restricted includes them): no hostNetwork/hostPID/hostIPC, no privileged containers, no
hostPath volumes, no hostPorts, capabilities added only from the baseline list, seccomp not Unconfined, /proc
mount Default, safe sysctls only. Restricted adds: volume types limited to configMap, csi, downwardAPI, emptyDir,
ephemeral, persistentVolumeClaim, projected, secret; allowPrivilegeEscalation false; runAsNonRoot true (pod level,
or on every container); runAsUser not 0; seccompProfile RuntimeDefault or Localhost (pod level, or every
container); capabilities drop ALL and add at most NET_BIND_SERVICE. Every rule covers containers,
initContainers and ephemeralContainers.
"""

from __future__ import annotations

from typing import Any

_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
_SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod.get("containers", []), *pod.get("ephemeralContainers", [])]


def _host(pod: dict[str, Any]) -> list[str]:
    found = [f"host namespaces ({key}=true)" for key in ("hostNetwork", "hostPID", "hostIPC") if pod.get(key)]
    declared = (pod.get("securityContext") or {}).get("sysctls", [])
    sysctls = [s["name"] for s in declared if s["name"] not in _SAFE_SYSCTLS]
    if sysctls:
        found.append(f"forbidden sysctls ({', '.join(sysctls)})")
    return found


def _volumes(pod: dict[str, Any]) -> list[str]:
    bad = []
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= _VOLUMES:
            bad.append(f"{volume['name']} ({', '.join(sorted(kinds - _VOLUMES))})")
    return [f"restricted volume types ({'; '.join(bad)})"] if bad else []


def _container(c: dict[str, Any], pod_ctx: dict[str, Any]) -> list[str]:
    ctx = c.get("securityContext") or {}
    name = c["name"]
    found = []
    if ctx.get("privileged"):
        found.append(f'privileged (container "{name}")')
    if ctx.get("allowPrivilegeEscalation") is not False:
        found.append(f'allowPrivilegeEscalation != false (container "{name}")')
    caps = ctx.get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        found.append(f'unrestricted capabilities (container "{name}" must drop ALL)')
    if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
        found.append(f'unrestricted capabilities (container "{name}" adds {sorted(caps["add"])})')
    non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
    if non_root is not True:
        found.append(f'runAsNonRoot != true (container "{name}")')
    if ctx.get("runAsUser", pod_ctx.get("runAsUser")) == 0:
        found.append(f'runAsUser=0 (container "{name}")')
    seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        found.append(f'seccompProfile (container "{name}" must set RuntimeDefault or Localhost)')
    if any(p.get("hostPort") for p in c.get("ports", [])):
        found.append(f'hostPort (container "{name}")')
    if ctx.get("procMount", "Default") != "Default":
        found.append(f'procMount (container "{name}")')
    return found


def violations(pod: dict[str, Any]) -> list[str]:
    """Every restricted-profile rule the pod spec breaks (empty: the pod is admitted)."""
    pod_ctx = pod.get("securityContext") or {}
    found = _host(pod) + _volumes(pod)
    if pod_ctx.get("seccompProfile", {}).get("type") == "Unconfined":
        found.append("seccompProfile (pod must not set Unconfined)")
    for container in _containers(pod):
        found.extend(_container(container, pod_ctx))
    return found
