"""Deployment environments: a name in a definition -> the Kubernetes connection id and namespace it deploys to.

The map lives in ``include/config/environments.yaml`` (``environments_file`` setting) so adding an environment is a
config change, not a code change. The loader calls ``unknown_environments`` so a typo is a validation error, not a
failed deploy at 3 a.m.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .settings import KubernetesSettings
from .spec import Automation

DEFAULT = "default"  # the name used when a definition lists no environment
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


class EnvironmentsFileError(ValueError):
    """The environments file is unreadable or malformed; says which file and which entry."""


@dataclass(frozen=True)
class Environment:
    name: str
    conn_id: str
    namespace: str


def load_environments(settings: KubernetesSettings) -> dict[str, Environment]:
    """Every configured environment by name; an absent file means no named environments."""
    path = Path(settings.environments_file)
    if not path.is_file():
        return {}
    stat = path.stat()
    return dict(_load_cached(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _load_cached(path: Path, _mtime_ns: int, _size: int) -> tuple[tuple[str, Environment], ...]:
    # Keyed on mtime and size so the loader (which runs on every DAG parse) reads the file once per change;
    # size too because file timestamps are only as fine as the kernel's clock tick.
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise EnvironmentsFileError(f"{path}: not valid YAML: {exc}") from exc
    entries = data.get("environments") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise EnvironmentsFileError(f"{path}: expected a mapping under 'environments:'")
    return tuple((str(name), _parse_entry(path, str(name), body)) for name, body in entries.items())


def _parse_entry(path: Path, name: str, body: object) -> Environment:
    if not isinstance(body, dict) or set(body) != {"conn_id", "namespace"}:
        raise EnvironmentsFileError(f"{path}: environments.{name}: give exactly 'conn_id' and 'namespace'")
    conn_id, namespace = str(body["conn_id"]).strip(), str(body["namespace"]).strip()
    if not conn_id:
        raise EnvironmentsFileError(f"{path}: environments.{name}.conn_id: must not be empty")
    if not _NAMESPACE.match(namespace):
        raise EnvironmentsFileError(f"{path}: environments.{name}.namespace: {namespace!r} is not a valid namespace")
    return Environment(name=name, conn_id=conn_id, namespace=namespace)


def requested_environments(spec: Automation) -> list[str]:
    """The environment names a definition asks for: deployment_spec.environments, else Automation.environment."""
    listed = [] if spec.is_batch else list(spec.action.deployment_spec.environments)
    if listed:
        return listed
    return [spec.environment] if spec.environment.strip() else []


def unknown_environments(spec: Automation, settings: KubernetesSettings) -> list[str]:
    """Requested names missing from the environments file, in the order given (empty when all are known)."""
    known = load_environments(settings)
    return [name for name in requested_environments(spec) if name not in known]


def resolve(spec: Automation, settings: KubernetesSettings) -> list[Environment]:
    """Where to deploy: each requested environment, or the settings' default connection and namespace."""
    names = requested_environments(spec)
    if not names:
        return [Environment(name=DEFAULT, conn_id=settings.conn_id, namespace=settings.namespace)]
    known = load_environments(settings)
    missing = [name for name in names if name not in known]
    if missing:
        raise EnvironmentsFileError(
            f"unknown environment(s) {missing} for {spec.name!r}; known: {sorted(known)} ({settings.environments_file})"
        )
    return [known[name] for name in names]
