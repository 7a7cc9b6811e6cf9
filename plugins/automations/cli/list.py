"""list: the automations that would become DAGs, with their trigger and source file."""

from __future__ import annotations

import argparse

from ..dagfile import load_definitions
from ..loader import display
from ..schedule import describe
from ..settings import get_settings

COMMAND = "list"
HELP = "List valid automations (name, model_id, trigger, file); problems go to stderr."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    import sys

    result = load_definitions(get_settings())
    for automation in result.automations:
        spec = automation.spec
        state = "enabled" if spec.is_enabled else "disabled"
        print(f"{spec.name}\t{spec.model_id}\t{state}\t{describe(spec.trigger)}\t{display(automation.source)}")
    for error in result.errors:
        print(error, file=sys.stderr)
    return 1 if result.errors else 0
