"""DockerOperator subclass that runs a BuildPlan and turns the container's result into the build XCom.

Why a subclass: the provider runs the container well (attach, stream logs, wait) but its XCom is a log line
and its ``cpus`` is only a relative weight. Here: a hard CPU limit (nano_cpus), a wall-clock limit (a watchdog
kills the container), a reason for every failure (OOM, timeout, exit code), and metrics from the mounted result
file. Imported only when the backend builds an operator (the provider is heavy).
"""

from __future__ import annotations

import shutil
import threading
from functools import cached_property
from pathlib import Path
from typing import Any

from airflow.providers.docker.exceptions import DockerContainerFailedException
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.sdk.exceptions import AirflowFailException
from docker.types import Mount

from model_runtime import contract

from ... import artifacts, ids, runtime_package
from ...runs import BuildResult, RunInputs
from ...settings import DockerSettings
from . import plan as paths
from .diagnose import failure_reason, log_tail
from .install_phase import InstallFailed, ensure_deps_image
from .plan import BuildPlan
from .resources import clamp_nano_cpus


class DockerBuildFailed(AirflowFailException):
    """The build container failed (tests, build, OOM, timeout): retrying would fail the same way."""


class _CpuLimitedClient:
    """Delegates to the provider's APIClient, adding a hard CPU limit to every host config it creates."""

    def __init__(self, client: Any, nano_cpus: int):
        self._client, self._nano_cpus = client, nano_cpus

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_host_config(self, *args: Any, **kwargs: Any) -> Any:
        return self._client.create_host_config(*args, nano_cpus=self._nano_cpus, **kwargs)


class _Watchdog:
    """Kills the operator's container once ``seconds`` have passed; remembers that it did."""

    def __init__(self, operator: DockerBuildOperator, seconds: int):
        self.operator, self.seconds, self.fired = operator, seconds, False
        self._done = threading.Event()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._timer.cancel()

    def _fire(self) -> None:
        import docker

        self.fired = True
        while not self._done.is_set():  # the deadline can pass before the container exists (slow engine)
            container = self.operator.container
            if container:  # a separate client: the operator's one is busy streaming logs in the main thread
                docker.APIClient(base_url=self.operator.docker_url, version="auto").kill(container["Id"])
                return
            self._done.wait(1)


class DockerBuildOperator(DockerOperator):
    def __init__(
        self, *, plan: BuildPlan, automation_name: str, settings: DockerSettings, inputs: RunInputs, **kwargs: Any
    ):
        super().__init__(
            image=plan.image,
            command=list(plan.command),
            cpus=plan.resources.cpus,
            mem_limit=plan.resources.mem_limit,
            network_mode=plan.network_mode,
            device_requests=_gpu_requests(plan.resources.gpus),
            labels=plan.labels,
            auto_remove="never",  # kept until we have read its State (OOMKilled), removed in execute
            mount_tmp_dir=False,
            **kwargs,
        )
        self.plan, self.automation_name, self.settings, self.inputs = plan, automation_name, settings, inputs

    @property
    def cli(self) -> Any:
        return _CpuLimitedClient(self.hook.api_client, self._nano_cpus)

    @cached_property
    def _nano_cpus(self) -> int:
        wanted = self.plan.resources.nano_cpus
        granted = clamp_nano_cpus(wanted, self.hook.api_client.info()["NCPU"])
        if granted < wanted:
            self.log.warning("build asks for %.2f CPUs; this Docker engine has %.2f: limiting to those",
                             wanted / 1e9, granted / 1e9)
        return granted

    def execute(self, context: Any) -> dict[str, Any]:  # type: ignore[override]  # the build XCom, not a log line
        clone = self.inputs.clone(context)
        build_id = ids.build_id(self.automation_name, clone.commit, context["run_id"])
        workspace = self.settings.workspaces_dir / ids.safe_path_part(build_id)
        output = self._prepare(workspace, clone.source_uri, build_id)
        self._check_image()
        self._install_dependencies(output.parent / "source")
        self._run_container(context)
        return self._collect(output, build_id, clone.commit).to_xcom()

    def _prepare(self, workspace: Path, source_uri: str, build_id: str) -> Path:
        """Fresh source and output dirs on the host, bind-mounted into the container."""
        shutil.rmtree(workspace, ignore_errors=True)
        source, output = workspace / "source", workspace / "output"
        artifacts.download_tar_to_dir(source_uri, source)
        output.mkdir(parents=True)
        self.mounts = [
            Mount(paths.SOURCE_DIR, str(source), "bind"),
            Mount(paths.OUTPUT_DIR, str(output), "bind"),
            Mount(paths.RUNTIME_DIR, str(runtime_package.MODULE_DIR), "bind", read_only=True),
        ]
        # Set here, after templating: parameters are user text and must not go through Jinja.
        self.environment = {**self.plan.environment, contract.ENV_BUILD_ID: build_id}
        return output

    def _install_dependencies(self, source: Path) -> None:
        """Phase one, with network; phase two (the build container) then runs FROM its image, without."""
        try:
            self.image = ensure_deps_image(
                self.cli, self.plan.image, source, self.plan.install, self.settings, self.plan.labels, self.log.info
            )
        except InstallFailed as exc:
            raise DockerBuildFailed(str(exc)) from None

    def _check_image(self) -> None:
        if not self.cli.images(name=self.image):
            raise DockerBuildFailed(
                f"image {self.image!r} is not on the Docker engine; for the default image run "
                "scripts/docker/ensure_base_image.sh (no registry is assumed reachable)"
            )

    def _run_container(self, context: Any) -> None:
        try:
            with _Watchdog(self, self.plan.timeout_s) as watchdog:
                super().execute(context)
        except DockerContainerFailedException as exc:
            state = self.cli.inspect_container(self.container["Id"])["State"]
            timed_out = self.plan.timeout_s if watchdog.fired else None
            reason = failure_reason(state, self.plan.resources.mem_limit, timed_out)
            raise DockerBuildFailed(f"{reason}\n--- last lines of the build log ---\n{log_tail(exc.logs)}") from None
        finally:
            if self.container:
                self.cli.remove_container(self.container["Id"], force=True)

    def _collect(self, output: Path, build_id: str, commit: str) -> BuildResult:
        result_file = output / contract.RESULT_FILE
        if not result_file.is_file():
            raise DockerBuildFailed(f"the build exited 0 but wrote no {contract.RESULT_FILE} in its output")
        result = contract.BuildResult.read(result_file)
        target = artifacts.store_path(self.settings, self.automation_name, "builds", build_id)
        return BuildResult.from_runtime(
            result,
            build_id=build_id,
            artifact_uri=artifacts.upload_tree(output, target),
            commit=commit,
            build_image=self.image,
            local_artifact=str(output),
        )


def _gpu_requests(count: int) -> list | None:
    if not count:
        return None
    from docker.types import DeviceRequest

    return [DeviceRequest(count=count, capabilities=[["gpu"]])]
