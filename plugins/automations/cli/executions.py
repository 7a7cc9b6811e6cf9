"""executions: an automation's recent runs from the analytics store (Qwak's ``automations executions list``)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from ..settings import get_settings

COMMAND = "executions"
HELP = (
    "Recent runs of automation NAME from the analytics store, newest first: run id, build status, commit, "
    "metrics, the gate's verdict and whether it was deployed."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the automation's name")
    parser.add_argument("--limit", type=_positive, default=20, help="how many runs (default 20)")
    parser.add_argument("--json", action="store_true", help="one JSON object per run instead of a table")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1 or value > 1000:
        raise argparse.ArgumentTypeError("--limit is 1 to 1000")
    return value


def run(args: argparse.Namespace) -> int:
    from ..analytics import open_store
    from ..analytics.connection import dispose_engines
    from ..analytics.history import automation_history

    try:
        history = automation_history(open_store(get_settings()), args.name, args.limit)
    except Exception as exc:  # an unreachable or unreadable store: say which, not a traceback
        print(f"executions {args.name}: cannot read the analytics store: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        dispose_engines()
    if not history.builds:
        print(f"no recorded runs of {args.name!r}", file=sys.stderr)
        return 1
    if args.json:
        for build in history.builds:
            print(json.dumps({**asdict(build), "verdict": verdict(build)}, sort_keys=True))
        return 0
    _table(history.builds)
    return 0


def verdict(build) -> str:
    """One word for the gate: passed, failed, forced (failed but deployed by force_deploy) or '-' (no gate ran)."""
    if not build.verdicts:
        return "-"
    if all(v.passed for v in build.verdicts):
        return "passed"
    return "forced" if any(v.forced for v in build.verdicts) else "failed"


def _table(builds) -> None:
    header = ("RUN", "STATUS", "COMMIT", "METRICS", "VERDICT", "DEPLOYED", "FINISHED")
    rows = [header] + [
        (
            b.dag_run_id,
            b.status,
            (b.commit or "-")[:12],
            " ".join(f"{name}={value:g}" for name, value in sorted(b.metrics.items())) or "-",
            verdict(b),
            "yes" if b.deployed else "no",
            b.finished or "-",
        )
        for b in builds
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
