"""undeploy: stop an automation's local model servers and forget them."""

from __future__ import annotations

import argparse
import sys

from ..settings import get_settings

COMMAND = "undeploy"
HELP = "Stop the local model server(s) of automation NAME (all variations, or --variation V)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the automation's name")
    parser.add_argument("--variation", default=None, help="only this variation (default: all of them)")


def run(args: argparse.Namespace) -> int:
    from ..backends.local.deploy import undeploy

    try:
        stopped = undeploy(get_settings().local, args.name, args.variation)
    except RuntimeError as exc:
        print(f"undeploy {args.name}: {exc}", file=sys.stderr)
        return 1
    if not stopped:
        which = f" variation {args.variation!r}" if args.variation else ""
        print(f"no local deployment of {args.name!r}{which}", file=sys.stderr)
        return 1
    for deployment in stopped:
        print(
            f"stopped {deployment.automation}/{deployment.variation} (build {deployment.build_id}, "
            f"pid {deployment.pid}, {deployment.endpoint})"
        )
    return 0
