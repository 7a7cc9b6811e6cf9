"""Docker build backend: ``build_operator`` (the ``build`` task) and ``render`` (nothing on Kubernetes)."""

from __future__ import annotations

from typing import Any

from ...settings import Settings
from .plan import plan_build


def build_operator(automation: Any, settings: Settings) -> Any:
    """A DockerBuildOperator (task_id="build") for a LoadedAutomation; called inside the DAG context."""
    from .build_task import DockerBuildOperator  # the docker provider is heavy: only when a DAG is built

    spec = getattr(automation, "spec", automation)
    return DockerBuildOperator(
        task_id="build",
        plan=plan_build(spec, settings),
        automation_name=spec.name,
        settings=settings,
    )


def render(automation: Any, settings: Settings) -> list[dict]:
    """The Docker backend creates no Kubernetes objects."""
    return []
