"""Docker build backend: ``build_operator`` (the ``build`` task) and ``render`` (nothing on Kubernetes)."""

from __future__ import annotations

from typing import Any

from ...runs import RunInputs, TaskId
from ...settings import DockerSettings
from ...spec import Automation
from .plan import plan_build


def build_operator(automation: Automation, settings: DockerSettings, inputs: RunInputs) -> Any:
    """A DockerBuildOperator (task_id="build"); called inside the DAG context."""
    from .build_task import DockerBuildOperator  # the docker provider is heavy: only when a DAG is built

    return DockerBuildOperator(
        task_id=TaskId.build.value,
        plan=plan_build(automation, settings),
        automation_name=automation.name,
        settings=settings,
        inputs=inputs,
    )


def render(automation: Automation, settings: DockerSettings) -> list[dict]:
    """The Docker backend creates no Kubernetes objects."""
    return []
