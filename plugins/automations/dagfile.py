"""What the files in dags/ call: load definitions, compile the valid ones, surface the invalid ones.

During a task run Airflow sets the parsing context; then only the one definition that DAG needs is loaded and
compiled, so task start-up does not grow with the number of automations.
"""

from __future__ import annotations

import logging
from typing import Any

from .errors import AutomationDefinitionError
from .loader import check_environments, load_definitions  # noqa: F401 - check_environments: for older callers
from .settings import get_settings

log = logging.getLogger(__name__)


def build_dags() -> dict[str, Any]:
    """The DAGs for ``dags/automations.py``: valid definitions only; problems are logged, never raised here."""
    from airflow.sdk import get_parsing_context

    from .compiler import compile_dag
    from .notify.lint import notification_warnings

    settings = get_settings()
    wanted = get_parsing_context().dag_id
    result = load_definitions(settings, only=wanted)
    for error in result.errors:
        log.warning("invalid automation definition: %s", error)
    dags = {}
    for automation in result.automations:
        if wanted and automation.name != wanted:
            continue
        for warning in notification_warnings(automation):
            log.warning("automation definition: %s", warning)
        dags[automation.name] = compile_dag(automation, settings)
    return dags


def raise_definition_errors() -> None:
    """For ``dags/automation_errors.py``: one aggregated import error listing every invalid definition."""
    result = load_definitions(get_settings())
    if result.errors:
        raise AutomationDefinitionError(result.errors)
