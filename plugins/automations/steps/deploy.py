"""deploy: hand the build to the configured backend, then record what happened in ``deployments``.

One row per deploy target. Environments are handled like this:
- a backend that deploys to several places returns ``DeployResult.targets``: one row per target;
- otherwise one row per ``deployment_spec.environments`` entry, all with the returned endpoint, or a single row
  for ``automation.environment`` (``"default"`` when empty) when no environments are listed.
A failure writes the same rows with status ``failed``, or ``rolled_back`` when the backend raised RolledBack
(the previous version serves again), and then re-raises: the task fails, and the champion stays the old build.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from ..analytics import DeploymentRow, DeployStatus, IntegrationRow, RunKey, open_store
from ..backends import backend_module
from ..backends.errors import DeployFailed, RolledBack
from ..runs import BuildResult, DeployResult, ImageResult, IntegrationTests

if TYPE_CHECKING:
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)

DEFAULT_ENVIRONMENT = "default"


def run_deploy(
    automation: LoadedAutomation,
    build: BuildResult,
    image: Optional[ImageResult],
    dag_run_id: str,
    settings: Settings,
) -> DeployResult:
    backend = backend_module(settings.backend, "deploy")
    try:
        result = backend.deploy(automation.spec, build, image, settings.backend_slice())
    except Exception as exc:
        status = DeployStatus.rolled_back if isinstance(exc, RolledBack) else DeployStatus.failed
        _record_failure(automation, build, dag_run_id, settings, status, exc)
        raise
    result = with_integration_outcome(result, settings.backend.value)
    rows = deployment_rows(automation, build, dag_run_id, result, DeployStatus.deployed)
    store = open_store(settings)
    store.record_deployments(rows, dag_run_id)
    if image and image.image:
        store.set_build_image(build.build_id, image.image)
    record_integration_tests(store, automation, build, dag_run_id, result)
    targets = ", ".join(f"{r.environment} ({r.target})" for r in rows)
    log.info("%s: deployed build %s to %s", automation.name, build.build_id, targets)
    return result


def with_integration_outcome(result: DeployResult, backend: str) -> DeployResult:
    """The result with its tests/it/ outcome logged; a backend that does not run them gets a skip with the reason."""
    why = (
        "the kubernetes backend does not run tests/it/ yet: the deployment's endpoint (*.svc.cluster.local) "
        "resolves only inside the cluster, and no test pod is started there"
        if backend == "kubernetes"
        else "the deploy reported no tests/it/ outcome"
    )
    tested = result.integration_tests or IntegrationTests(status="skipped", reason=why)
    counts = ", ".join(f"{n} {k}" for k, n in tested.tests.items())
    text = (
        f"tests/it/ {tested.status}"
        + (f" ({counts})" if counts else "")
        + (f": {tested.reason}" if tested.reason else "")
    )
    (log.warning if tested.status == "failed" else log.info)("%s (integration tests never fail the deploy)", text)
    return result.model_copy(update={"integration_tests": tested})


def record_integration_tests(
    store: Any, automation: LoadedAutomation, build: BuildResult, dag_run_id: str, result: DeployResult
) -> None:
    """The tests/it/ outcome in ``integration_tests``; a failed write is logged, never raised (they never fail)."""
    tested = result.integration_tests
    if tested is None:
        return
    key = RunKey(automation.name, automation.spec.model_id, dag_run_id, build.build_id)
    try:
        store.record_integration_tests(IntegrationRow(key, tested.status, tested.reason, dict(tested.tests)))
    except Exception:
        log.exception(
            "ANALYTICS WRITE FAILED: the tests/it/ outcome of %s is NOT in the analytics store", automation.name
        )


def _record_failure(
    automation: LoadedAutomation,
    build: BuildResult,
    dag_run_id: str,
    settings: Settings,
    status: DeployStatus,
    exc: Exception,
) -> None:
    # The deploy's own error is what the task must show; a failed write is logged loudly next to it.
    try:
        rows = deployment_rows(automation, build, dag_run_id, None, status)
        if isinstance(exc, DeployFailed) and exc.targets:  # each environment's own outcome, not one for all
            partial = DeployResult(endpoint=exc.targets[0].endpoint, targets=tuple(exc.targets))
            rows = deployment_rows(automation, build, dag_run_id, partial, status)
        open_store(settings).record_deployments(rows, dag_run_id)
    except Exception:
        log.exception(
            "ANALYTICS WRITE FAILED: could not record the %s deploy of %s in `deployments`",
            status.value,
            automation.name,
        )
    log.error("%s: deploy %s for build %s", automation.name, status.value.replace("_", " "), build.build_id)


def deployment_rows(
    automation: LoadedAutomation,
    build: BuildResult,
    dag_run_id: str,
    result: Optional[DeployResult],
    status: DeployStatus,
) -> list[DeploymentRow]:
    """Pure: the ``deployments`` rows for one deploy outcome (``result`` is None when the deploy raised)."""
    spec = automation.spec
    key = RunKey(automation.name, spec.model_id, dag_run_id, build.build_id)
    variation = spec.action.deployment_spec.variation_name
    return [
        DeploymentRow(key, variation, environment, DeployStatus(own or status), target)
        for environment, target, own in _targets(automation, result)
    ]


def _targets(automation: LoadedAutomation, result: Optional[DeployResult]) -> list[tuple[str, Optional[str], str]]:
    if result and result.targets:
        return [(t.environment or DEFAULT_ENVIRONMENT, t.endpoint, t.status) for t in result.targets]
    endpoint = result.endpoint if result else None
    environments = automation.spec.action.deployment_spec.environments or [
        automation.spec.environment or DEFAULT_ENVIRONMENT
    ]
    return [(environment, endpoint, "") for environment in environments]
