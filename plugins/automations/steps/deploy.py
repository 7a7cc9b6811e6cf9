"""deploy: hand the build to the configured backend, then record what happened in ``deployments``.

One row per deploy target. Environments are handled like this:
- a backend that deploys to several places returns ``{"endpoint": url, "targets": [{"environment": str,
  "target": str}, ...]}`` (``target`` may be spelled ``endpoint``): one row per item;
- otherwise one row per ``deployment_spec.environments`` entry, all with the returned endpoint, or a single row
  for ``automation.environment`` (``"default"`` when empty) when no environments are listed.
A failure writes the same rows with status ``failed``, or ``rolled_back`` when the backend raised RolledBack
(the previous version serves again), and then re-raises: the task fails, and the champion stays the old build.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from ..analytics import DeploymentRow, DeployStatus, RunKey, open_store
from ..backends import backend_module
from ..backends.errors import DeployFailed, RolledBack

if TYPE_CHECKING:
    from ..loader import LoadedAutomation
    from ..settings import Settings

log = logging.getLogger(__name__)

DEFAULT_ENVIRONMENT = "default"


def run_deploy(
    automation: LoadedAutomation, build: dict, image: dict | None, dag_run_id: str, settings: Settings
) -> dict:
    backend = backend_module(settings.backend, "deploy")
    try:
        result = backend.deploy(automation, build, image, settings)
    except Exception as exc:
        status = DeployStatus.rolled_back if isinstance(exc, RolledBack) else DeployStatus.failed
        _record_failure(automation, build, dag_run_id, settings, status, exc)
        raise
    rows = deployment_rows(automation, build, dag_run_id, result, DeployStatus.deployed)
    store = open_store(settings)
    store.record_deployments(rows, dag_run_id)
    if image and image.get("image") and build.get("build_id"):
        store.set_build_image(build["build_id"], image["image"])
    log.info("%s: deployed build %s to %s", automation.name, build.get("build_id"),
             ", ".join(f"{r.environment} ({r.target})" for r in rows))
    return result


def _record_failure(automation: LoadedAutomation, build: dict, dag_run_id: str, settings: Settings,
                    status: DeployStatus, exc: Exception) -> None:
    # The deploy's own error is what the task must show; a failed write is logged loudly next to it.
    try:
        rows = deployment_rows(automation, build, dag_run_id, None, status)
        if isinstance(exc, DeployFailed) and exc.targets:  # each environment's own outcome, not one for all
            rows = deployment_rows(automation, build, dag_run_id, {"targets": list(exc.targets)}, status)
        open_store(settings).record_deployments(rows, dag_run_id)
    except Exception:
        log.exception("ANALYTICS WRITE FAILED: could not record the %s deploy of %s in `deployments`",
                      status.value, automation.name)
    log.error("%s: deploy %s for build %s", automation.name, status.value.replace("_", " "), build.get("build_id"))


def deployment_rows(automation: LoadedAutomation, build: dict, dag_run_id: str, result: Optional[dict],
                    status: DeployStatus) -> list[DeploymentRow]:
    """Pure: the ``deployments`` rows for one deploy outcome (``result`` is None when the deploy raised)."""
    spec = automation.spec
    key = RunKey(automation.name, spec.model_id, dag_run_id, (build or {}).get("build_id"))
    variation = spec.action.deployment_spec.variation_name
    return [DeploymentRow(key, variation, environment, DeployStatus(own or status), target)
            for environment, target, own in _targets(automation, result)]


def _targets(automation: LoadedAutomation, result: Optional[dict]) -> list[tuple[str, Optional[str], str]]:
    listed: list[Any] = (result or {}).get("targets") or []
    if listed:
        return [(str(t.get("environment") or DEFAULT_ENVIRONMENT), t.get("target") or t.get("endpoint"),
                 str(t.get("status") or "")) for t in listed]
    endpoint = (result or {}).get("endpoint")
    environments = automation.spec.action.deployment_spec.environments or [
        automation.spec.environment or DEFAULT_ENVIRONMENT
    ]
    return [(environment, endpoint, "") for environment in environments]
