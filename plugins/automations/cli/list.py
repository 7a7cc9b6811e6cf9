"""list: the automations that would become DAGs, with their trigger and source file."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..loader import display, load_definitions
from ..schedule import describe
from ..settings import get_settings

COMMAND = "list"
HELP = "List valid automations (name, model_id, trigger, file; --json adds each definition); problems go to stderr."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON list of objects (definition included)")


def run(args: argparse.Namespace) -> int:
    import sys

    result = load_definitions(get_settings())
    if getattr(args, "json", False):
        print(json.dumps([_as_json(a) for a in result.automations], indent=2))
    else:
        for automation in result.automations:
            spec = automation.spec
            state = "enabled" if spec.is_enabled else "disabled"
            print(f"{spec.name}\t{spec.model_id}\t{state}\t{describe(spec.trigger)}\t{display(automation.source)}")
    for error in result.errors:
        print(error, file=sys.stderr)
    return 1 if result.errors else 0


def _as_json(automation: Any) -> dict:
    spec = automation.spec
    return {
        "name": spec.name,
        "model_id": spec.model_id,
        "is_enabled": spec.is_enabled,
        "trigger": describe(spec.trigger),
        "file": display(automation.source),
        "definition": spec.model_dump(mode="json"),
    }
