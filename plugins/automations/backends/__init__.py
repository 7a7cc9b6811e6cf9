"""Backends behind two small interfaces, found by module name so a new backend is a new package, not an ``if``.

A backend package ``automations.backends.<name>`` provides:

``build`` module
    ``build_operator(automation: LoadedAutomation, settings: Settings) -> BaseOperator``
        Called inside the DAG context. Returns the operator with ``task_id="build"``. It receives the clone
        result through templating (``{{ ti.xcom_pull(task_ids='clone') }}``) and must push the build XCom:
        ``{"metrics": {name: number}, "build_id": str, "artifact_uri": str, "commit": str, ...}``.
    ``render(automation, settings) -> list[dict]``: the Kubernetes objects the build creates (``[]`` if none).

``deploy`` module
    ``deploy(automation: LoadedAutomation, build: dict, image: dict | None, settings: Settings) -> dict``
        Called by the ``deploy`` task. Returns at least ``{"endpoint": url}``. Raises on failure, after having
        left the previous deployment serving.
    ``render(automation, settings) -> list[dict]``: the Kubernetes objects the deploy applies (``[]`` if none).

``image`` module (optional)
    ``image_operator(automation, settings) -> BaseOperator | None``: the ``push_image`` task, or None when the
    backend has no image step.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

from ..settings import Backend

REQUIRED_ROLES = ("build", "deploy")
OPTIONAL_ROLES = ("image",)
ROLES = REQUIRED_ROLES + OPTIONAL_ROLES


@functools.cache
def backend_module(backend: Backend | str, role: str) -> ModuleType:
    """Import ``automations.backends.<backend>.<role>`` for a role every backend has."""
    if role not in REQUIRED_ROLES:
        raise ValueError(f"{role!r} is not a required backend role {REQUIRED_ROLES}; use optional_backend_module")
    return importlib.import_module(_module_name(backend, role))


@functools.cache  # a missing optional module costs a failed import each time; ask once per process
def optional_backend_module(backend: Backend | str, role: str) -> ModuleType | None:
    """Import ``automations.backends.<backend>.<role>``, or None when the backend has no such optional role."""
    if role not in OPTIONAL_ROLES:
        raise ValueError(f"{role!r} is not an optional backend role {OPTIONAL_ROLES}")
    name = _module_name(backend, role)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def _module_name(backend: Backend | str, role: str) -> str:
    return f"{__name__}.{Backend(backend).value}.{role}"
