"""delete: remove an automation's definition file from AUTOMATIONS_DIR (Qwak's ``automations delete``)."""

from __future__ import annotations

import argparse
import sys

from ..settings import get_settings
from .definition_files import defining_files, names_in

COMMAND = "delete"
HELP = (
    "Remove the file defining automation NAME from AUTOMATIONS_DIR; its DAG goes at the next parse. A file that "
    "defines other automations too is left alone. Deployed models keep serving (see `undeploy`)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the automation's name")


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    file = defining_files(settings).get(args.name)
    if file is None:
        print(
            f"delete: no valid automation named {args.name!r} in {settings.automations_dir} "
            "(`python -m automations list` shows the names)",
            file=sys.stderr,
        )
        return 1
    others = sorted(set(names_in(file, settings)) - {args.name})
    if others:
        print(
            f"delete: {file} also defines {', '.join(others)}: remove {args.name!r} from that file by hand",
            file=sys.stderr,
        )
        return 1
    file.unlink()
    print(f"deleted {args.name}: removed {file}")
    print("its DAG disappears at the next parse; a deployed model keeps serving until `undeploy`")
    return 0
