"""What the files in dags/ call: load definitions, compile the valid ones, surface the invalid ones.

During a task run Airflow sets the parsing context; then only the one definition that DAG needs is loaded and
compiled, so task start-up does not grow with the number of automations.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from .errors import AutomationDefinitionError, DefinitionError
from .loader import SUFFIXES, LoadResult, load, load_file
from .parse_cache import CACHE_DIR, DefinitionCache
from .settings import Settings, get_settings

log = logging.getLogger(__name__)


def load_definitions(settings: Settings, only: Optional[str] = None) -> LoadResult:
    """All definitions, or (fast path) just the one named ``only`` when its file is named after it."""
    if only:
        found = _load_by_file_name(settings.automations_dir, only)
        if found is not None:
            return check_environments(found, settings)
    result = load([settings.automations_dir], root=settings.automations_dir, cache=_cache(settings))
    return check_environments(result, settings)


def _cache(settings: Settings) -> Optional[DefinitionCache]:
    """Shared by both DAG files and kept between parse cycles (see parse_cache.py)."""
    if not settings.parse_cache:
        return None
    return DefinitionCache(settings.state_dir / CACHE_DIR, settings.automations_dir)


def _load_by_file_name(folder: Path, name: str) -> Optional[LoadResult]:
    for suffix in SUFFIXES:
        for candidate in folder.rglob(f"{name}{suffix}"):
            automations, errors = load_file(candidate.resolve(), folder.resolve())
            if any(a.name == name for a in automations):
                return LoadResult([a for a in automations if a.name == name], errors)
    return None


def check_environments(result: LoadResult, settings: Settings) -> LoadResult:
    """Environments are checked against include/config, which the schema alone cannot see."""
    from .environments import EnvironmentsFileError, load_environments

    try:
        known = sorted(load_environments(settings.kubernetes))
    except EnvironmentsFileError as exc:
        return LoadResult(
            result.automations, [*result.errors, DefinitionError(str(settings.environments_file), "", str(exc))]
        )
    kept, errors = [], list(result.errors)
    for automation in result.automations:
        problems = _environment_problems(automation, known, settings)
        errors.extend(problems)
        if not problems:
            kept.append(automation)
    return LoadResult(kept, errors)


def _environment_problems(automation, known: list[str], settings: Settings) -> list[DefinitionError]:
    from .environments import requested_environments, unknown_environments
    from .loader import display

    spec = automation.spec
    if not requested_environments(spec):  # most definitions: nothing to look up (each lookup stats the file)
        return []
    path = "action.deployment_spec.environments" if spec.action.deployment_spec.environments else "environment"
    return [
        DefinitionError(
            display(automation.source),
            path,
            f"unknown environment {name!r} (known: {known}). Qwak created environments on its server; here add it "
            f"to {settings.environments_file} as 'environments: {{{name}: {{conn_id: <kubernetes connection id>, "
            "namespace: <namespace>}}}}'",
        )
        for name in unknown_environments(spec, settings.kubernetes)
    ]


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
