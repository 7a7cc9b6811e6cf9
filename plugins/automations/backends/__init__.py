"""Backends behind three small Protocols, found by module name so a new backend is a new package, not an ``if``.

A backend package ``automations.backends.<name>`` provides a ``build`` and a ``deploy`` module and, when it makes a
serving image, an ``image`` module. Each takes the definition (``spec.Automation``), the typed results of the run
(``runs.py``) and its own slice of the settings (``settings.backend_slice()``): nothing of the loader, of Airflow's
XCom or of another backend. ``tests/unit/backends/test_protocols.py`` checks every backend against them.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType
from typing import Any, Optional, Protocol, runtime_checkable

from ..runs import BuildResult, DeployResult, ImageResult, RunInputs
from ..settings import Backend
from ..spec import Automation

REQUIRED_ROLES = ("build", "deploy")
OPTIONAL_ROLES = ("image",)


@runtime_checkable
class Build(Protocol):
    """The ``build`` module."""

    def build_operator(self, automation: Automation, settings: Any, inputs: RunInputs) -> Any:
        """The operator with task_id ``build``, created inside the DAG context. It reads the clone through
        ``inputs`` when it runs and returns ``BuildResult.to_xcom()``."""

    def render(self, automation: Automation, settings: Any) -> list[dict]:
        """The Kubernetes objects the build creates (``[]`` if none)."""


@runtime_checkable
class Image(Protocol):
    """The optional ``image`` module: the ``push_image`` task, only created when ``push_image`` is true."""

    def image_operator(self, automation: Automation, settings: Any, inputs: RunInputs) -> Any:
        """The operator with task_id ``push_image``; it reads the build through ``inputs`` and returns
        ``ImageResult.to_xcom()``."""


@runtime_checkable
class Deploy(Protocol):
    """The ``deploy`` module."""

    def deploy(
        self, automation: Automation, build: BuildResult, image: Optional[ImageResult], settings: Any
    ) -> DeployResult:
        """Serve the build. Raises on failure, after having left the previous deployment serving."""

    def render(self, automation: Automation, settings: Any) -> list[dict]:
        """The Kubernetes objects the deploy applies (``[]`` if none)."""


PROTOCOLS: dict[str, type] = {"build": Build, "deploy": Deploy, "image": Image}


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
