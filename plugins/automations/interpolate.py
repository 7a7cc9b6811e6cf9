"""``${NAME}`` and ``${NAME:-default}`` in YAML string values, for paths and hosts that differ per machine.

Not for secrets: those are looked up at run time through the ``*_secret`` fields, so they never reach DAG docs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class UnknownVariable(ValueError):
    pass


def variables_for(state_dir: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """What ``${NAME}`` may name: the environment, plus two of the project's own paths unless it sets them."""
    from .settings import PROJECT_ROOT

    return {"AUTOMATIONS_PROJECT_ROOT": str(PROJECT_ROOT), "AUTOMATIONS_STATE_DIR": str(state_dir), **environ}


def interpolate(value: Any, variables: Mapping[str, str]) -> Any:
    """Return a copy of ``value`` with every reference in its strings replaced; the input is left unchanged."""
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: _resolve(m, variables), value)
    if isinstance(value, list):
        return [interpolate(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, variables) for k, v in value.items()}
    return value


def _resolve(match: re.Match, lookup: Mapping[str, str]) -> str:
    name, default = match["name"], match["default"]
    if name in lookup:
        return lookup[name]
    if default is not None:
        return default
    raise UnknownVariable(f"${{{name}}} is not set (give a default with ${{{name}:-value}})")
