"""What reading a definition file depends on besides the file itself, taken once by the entry point.

``load_definitions`` makes one from the settings and the environment when a load starts, and the loader hands it
down: nothing below it reads a setting or the environment, so a test (or ``register``) can give one of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .interpolate import variables_for

if TYPE_CHECKING:
    from .settings import Settings


@dataclass(frozen=True)
class DefinitionInputs:
    # What ``${NAME}`` in a YAML string may name.
    variables: Mapping[str, str]
    # Longest a Python definition file may run while being imported, seconds (0: no limit of its own).
    python_timeout_s: float

    @classmethod
    def of(cls, settings: Settings, environ: Mapping[str, str]) -> DefinitionInputs:
        """The inputs as ``settings`` and ``environ`` give them now (a copy: later changes do not reach a load)."""
        return cls(variables_for(settings.state_dir, environ), settings.python_definition_timeout_s)
