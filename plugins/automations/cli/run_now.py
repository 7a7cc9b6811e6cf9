"""run: start an automation's DAG now, optionally on another git branch (Qwak's ``automations run``)."""

from __future__ import annotations

import argparse
import re
import sys

from ..settings import get_settings
from .airflow_trigger import TriggerError, trigger

COMMAND = "run"
HELP = (
    "Trigger a run of automation NAME now, through Airflow's REST API when AUTOMATIONS_AIRFLOW_URL is set, "
    "otherwise `airflow dags trigger` on this machine. --branch builds that git branch (the DAG's git_branch param)."
)
# The same rule as the DAG's git_branch Param (compiler.py): checked here too so the mistake is named early.
_BRANCH = re.compile(r"^[^-\s][^\s]*$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the automation's name (its dag_id)")
    parser.add_argument("--branch", default=None, help="build this branch instead of the definition's git_branch")


def run(args: argparse.Namespace) -> int:
    conf = {}
    if args.branch is not None:
        if not _BRANCH.match(args.branch):
            print(
                f"run: --branch {args.branch!r} is not a branch name (no spaces, not starting with '-')",
                file=sys.stderr,
            )
            return 1
        conf["git_branch"] = args.branch
    try:
        started = trigger(get_settings(), args.name, conf)
    except TriggerError as exc:
        print(f"run {args.name}: {exc}", file=sys.stderr)
        return 1
    print(f"started {args.name}: run {started.run_id} ({started.state or 'queued'}) via {started.via}")
    if started.paused:
        print(f"note: {args.name} is paused; the run waits until it is switched on", file=sys.stderr)
    return 0
