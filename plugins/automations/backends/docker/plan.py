"""The build container as a plan: image, command, env, limits, mounts' container paths. Pure, no Docker.

The operator (build_task.py) applies a plan; tests and ``render`` read it without an engine.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from model_runtime import contract

from ... import model_env
from ...settings import DockerSettings
from ...spec import Automation
from .install_phase import InstallPlan, plan_install
from .paths import OUTPUT_DIR, PYTHON, RUNTIME_DIR, RUNTIME_ROOT, SOURCE_DIR
from .resources import DockerResources, for_resources

__all__ = ["OUTPUT_DIR", "PYTHON", "RUNTIME_DIR", "RUNTIME_ROOT", "SOURCE_DIR", "BuildPlan", "plan_build"]

LABEL_PREFIX = "io.automations"


@dataclass(frozen=True)
class BuildPlan:
    image: str
    command: tuple[str, ...]
    environment: dict[str, str] = field(hash=False)
    resources: DockerResources
    network_mode: str
    timeout_s: int
    labels: dict[str, str] = field(hash=False)
    install: InstallPlan  # phase one (install_phase.py); `command` is phase two: tests and training


def build_command(automation: Automation) -> tuple[str, ...]:
    """Phase two: tests and training, FROM the dependencies image phase one committed (no install here)."""
    build = automation.action.build_spec
    run = contract.build_command(PYTHON, SOURCE_DIR, build.main_dir, OUTPUT_DIR)
    # exec: the build replaces sh as PID 1, so signals (docker stop, our timeout kill) reach it directly.
    return ("sh", "-c", f"set -e; exec {shlex.join(run)}")


def build_environment(automation: Automation) -> dict[str, str]:
    """model_env.build_env, with model_runtime's mount on PYTHONPATH; ENV_BUILD_ID is added per run by the operator."""
    return {
        **model_env.build_env(automation),
        "PYTHONPATH": RUNTIME_ROOT,
        "PYTHONUNBUFFERED": "1",  # stream the build's output line by line into the task log
    }


def build_labels(automation: Automation, role: str) -> dict[str, str]:
    labels = {
        f"{LABEL_PREFIX}.automation": automation.name,
        f"{LABEL_PREFIX}.model_id": automation.model_id,
        f"{LABEL_PREFIX}.role": role,
    }
    tags = automation.action.build_spec.tags
    return labels | ({f"{LABEL_PREFIX}.tags": ",".join(tags)} if tags else {})


def plan_build(automation: Automation, settings: DockerSettings) -> BuildPlan:
    build = automation.action.build_spec
    return BuildPlan(
        image=build.base_image or settings.image,
        command=build_command(automation),
        environment=build_environment(automation),
        resources=for_resources(build.resources, settings),
        network_mode=settings.network,
        timeout_s=settings.build_timeout_s,
        labels=build_labels(automation, "build"),
        install=plan_install(settings),
    )
