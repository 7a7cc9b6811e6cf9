"""The local build: a PythonOperator that builds the cloned source in a fresh venv on this machine.

The callable downloads the clone's source tar, creates the build's venv, runs ``model_runtime install`` and
``model_runtime build`` there (output streamed into the task log), uploads the output directory to the artifact
store and returns the build XCom.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from model_runtime import contract

from ... import ids, model_env
from ...artifacts import download_tar_to_dir, store_path, upload_tree
from ...runs import BuildResult, CloneResult, RunInputs, TaskId
from . import environment, limits
from .process import run_streaming

if TYPE_CHECKING:
    from ...settings import LocalSettings
    from ...spec import Automation

log = logging.getLogger(__name__)


class BuildFailed(RuntimeError):
    """A build step exited non-zero; the message carries the reason and the tail of its output."""


def build_operator(automation: Automation, settings: LocalSettings, inputs: RunInputs):
    from airflow.providers.standard.operators.python import PythonOperator

    task = functools.partial(build_task, automation, settings, inputs)
    return PythonOperator(task_id=TaskId.build.value, python_callable=task)


def render(automation: Automation, settings: LocalSettings) -> list[dict]:
    return []  # a local build creates no Kubernetes objects


def build_task(automation: Automation, settings: LocalSettings, inputs: RunInputs, **context: Any) -> dict:
    return run_build(automation, settings, inputs.clone(context), context["run_id"]).to_xcom()


def runtime_env(automation: Automation, build_id: str, uv: str | None) -> dict[str, str]:
    """What the runtime reads (model_env.build_env), plus the uv this machine has for ``install``."""
    env = model_env.build_env(automation, build_id)
    if uv:
        env[contract.ENV_UV] = uv
    return env


def run_step(
    name: str,
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    emit: Callable[[str], None],
    memory: Optional[int] = None,
) -> None:
    emit(f"--- {name}: {' '.join(cmd)}" + (f" (memory limit {limits.describe(memory)})" if memory else ""))
    done = run_streaming(cmd, env, cwd, emit=emit, preexec_fn=limits.limiter(memory))
    emit(f"--- {name}: exit {done.code} after {done.seconds:.1f}s")
    if done.code != 0:
        reason = contract.EXIT_REASONS.get(done.code, f"{name} exited with {done.code}")
        if memory and "MemoryError" in done.tail:
            reason = f"{reason}: out of memory (build_spec.resources.memory is {limits.describe(memory)})"
        raise BuildFailed(f"{reason} (exit {done.code}). Last output:\n{done.tail}")


def fetch_source(source_uri: str, workspace: Path) -> Path:
    if workspace.exists():
        shutil.rmtree(workspace)  # a retry must not build on top of the previous attempt's files
    return download_tar_to_dir(source_uri, workspace / "source")


def run_build(
    automation: Automation,
    settings: LocalSettings,
    clone: CloneResult,
    run_id: str,
    emit: Callable[[str], None] = log.info,
) -> BuildResult:
    """Build ``clone``'s source; returns the build XCom. Raises BuildFailed on a failing test or build."""
    build_spec = automation.action.build_spec
    build_id = ids.build_id(automation.name, clone.commit, run_id)
    workspace = settings.workspaces_dir / build_id
    source = fetch_source(clone.source_uri, workspace)
    main_dir = clone.main_dir or build_spec.main_dir
    emit(f"building {automation.name} commit {clone.commit[:12]} as {build_id}")
    benv = environment.create(settings.envs_dir / build_id)
    env = benv.process_env(runtime_env(automation, build_id, environment.find_uv()))
    python, output = str(benv.python), workspace / "output"
    install = contract.install_command(python, str(source))
    run_step("install", install, env, workspace, emit)
    build = contract.build_command(python, str(source), main_dir, str(output))
    run_step("build", build, env, workspace, emit, limits.memory_limit(build_spec.resources, settings))
    result = contract.BuildResult.read(output / contract.RESULT_FILE)
    artifact_uri = upload_tree(output, store_path(settings, automation.name, "builds", build_id))
    emit(f"metrics {json.dumps(result.metrics, sort_keys=True)}; artifact {artifact_uri}")
    return BuildResult.from_runtime(
        result,
        build_id=build_id,
        artifact_uri=artifact_uri,
        commit=clone.commit,
        python=python,
        runtime_path=str(benv.runtime_path),
        local_artifact=str(output),
    )
