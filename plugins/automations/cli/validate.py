"""validate: one line per problem, ``<file>: <field.path>: <reason>``; exit 1 when there is any."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..loader import load_definitions
from ..notify.lint import notification_warnings
from ..settings import get_settings

COMMAND = "validate"
HELP = "Validate definition files (default: AUTOMATIONS_DIR); exit 1 and print each problem if any is invalid."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="definition files or folders")


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    paths = args.paths or [settings.automations_dir]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"{path}: <path>: no such file or directory")
        return 1
    result = load_definitions(settings, args.paths)
    for error in result.errors:
        print(error)
    for automation in result.automations:
        for warning in notification_warnings(automation):
            print(warning)  # a warning does not change the exit code
    if not result.errors:
        print(f"{len(result.automations)} automation(s) valid")
    return 1 if result.errors else 0
