"""CLI commands: one module per command, each with COMMAND, HELP, add_arguments(parser) and run(args) -> int."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return sorted((m for m in modules if hasattr(m, "COMMAND")), key=lambda m: m.COMMAND)
