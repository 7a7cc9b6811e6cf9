"""``${NAME}`` and ``${NAME:-default}`` in YAML string values, for paths and hosts that differ per machine.

Not for secrets: those are looked up at run time through the ``*_secret`` fields, so they never reach DAG docs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

_REFERENCE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class UnknownVariable(ValueError):
    pass


def builtin_variables() -> dict[str, str]:
    from .settings import PROJECT_ROOT, get_settings

    return {"AUTOMATIONS_PROJECT_ROOT": str(PROJECT_ROOT), "AUTOMATIONS_STATE_DIR": str(get_settings().state_dir)}


def interpolate(value: Any, variables: Mapping[str, str] | None = None) -> Any:
    """Return a copy of ``value`` with every reference in its strings replaced; the input is left unchanged."""
    lookup = {**builtin_variables(), **os.environ} if variables is None else variables
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: _resolve(m, lookup), value)
    if isinstance(value, list):
        return [interpolate(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, lookup) for k, v in value.items()}
    return value


def _resolve(match: re.Match, lookup: Mapping[str, str]) -> str:
    name, default = match["name"], match["default"]
    if name in lookup:
        return lookup[name]
    if default is not None:
        return default
    raise UnknownVariable(f"${{{name}}} is not set (give a default with ${{{name}:-value}})")
