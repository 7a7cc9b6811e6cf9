"""The model's ``tests/it/`` against the container the Docker deploy just started, in a container of its image.

Where: a throwaway container of the *serving image* (FROM the build's dependencies image, plus the artifact with
its ``src/tests/it/`` and model_runtime), so the tests run with exactly the packages the build and the server
have, and the model's code never runs on the worker, beside Airflow's environment and secrets. How it reaches the
endpoint: it joins the new serving container's network namespace (``network_mode=container:<id>``) and calls
``http://127.0.0.1:<PORT>``: the new container itself, not the gateway's traffic split, whatever ``deploy_host``
is and whether or not the worker shares a network with the engine.

The outcome, the timeout and the log lines are automations.integration_tests', shared with the local backend; it
never raises. The report is read back with ``get_archive`` (no bind mount: the engine may be remote).
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_runtime import contract

from ... import integration_tests
from ...integration_tests import Deadline
from ...runs import IntegrationTests
from .image import ARTIFACT_DIR, PORT
from .plan import LABEL_PREFIX

ROLE = "integration"
REPORT = f"/tmp/{contract.INTEGRATION_REPORT_FILE}"


@dataclass(frozen=True)
class IntegrationPlan:
    image: str
    command: tuple[str, ...]
    network_mode: str
    environment: dict
    labels: dict


def plan_tests(image: str, serving_id: str, environment: dict, labels: dict) -> IntegrationPlan:
    """Pure: the tests container for the serving container ``serving_id`` (its image, env and labels)."""
    source = f"{ARTIFACT_DIR}/{contract.SOURCE_DIR}"
    command = contract.integration_command("python", source, f"http://127.0.0.1:{PORT}", REPORT)
    return IntegrationPlan(
        image=image,
        command=tuple(command),
        network_mode=f"container:{serving_id}",
        environment={**environment, "PYTHONUNBUFFERED": "1"},  # stream pytest's lines as they come
        labels={**labels, f"{LABEL_PREFIX}.role": ROLE},
    )


def run_integration_tests(client: Any, plan: IntegrationPlan, local_artifact: str | None) -> IntegrationTests:
    """``local_artifact``: the build's output on this machine, if it is here, to skip a model without tests/it/
    without starting a container; elsewhere the runtime in the container finds that out and says the same."""
    if local_artifact and Path(local_artifact, contract.ARTIFACT_FILE).is_file():
        if skipped := integration_tests.absent(Path(local_artifact, contract.SOURCE_DIR)):
            return skipped
    return integration_tests.outcome(lambda: _run(client, plan))


def _run(client: Any, plan: IntegrationPlan) -> str:
    container = client.containers.create(
        plan.image,
        entrypoint=list(plan.command),
        command=[],
        network_mode=plan.network_mode,
        environment=plan.environment,
        labels=plan.labels,
    )
    try:
        with Deadline(integration_tests.TIMEOUT_S, container.kill) as deadline:
            container.start()
            integration_tests.log_output(integration_tests.split_lines(container.logs(stream=True, follow=True)))
            container.wait()
        deadline.check()
        return _read_file(container, REPORT)
    finally:
        container.remove(force=True)


def _read_file(container: Any, path: str) -> str:
    stream, _ = container.get_archive(path)
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        member = tar.extractfile(tar.getmembers()[0])
        if member is None:
            raise FileNotFoundError(f"{path} in the tests container is not a file")
        return member.read().decode()
