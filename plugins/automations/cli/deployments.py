"""deployments: the model servers the local and Docker backends run: stable URL, build behind it, liveness."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from ..settings import get_settings

COMMAND = "deployments"
HELP = (
    "List local/Docker model deployments: automation, variation, build, the stable URL (which stays the same across "
    "deploys), the server behind it, restarts and whether it is alive."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="one JSON object per line instead of a table")


def rows() -> list[dict]:
    from ..gateway import registry

    found = registry.all_deployments(get_settings().deployments_dir)
    return [dict(asdict(d), alive=d.alive()) for d in found]


def run(args: argparse.Namespace) -> int:
    found = rows()
    if args.json:
        for row in found:
            print(json.dumps(row, sort_keys=True))
        return 0
    if not found:
        print("no local deployments")
        return 0
    header = ("AUTOMATION", "VARIATION", "BUILD", "URL", "SERVER", "RESTARTS", "ALIVE")
    table = [header] + [
        (
            r["automation"],
            r["variation"],
            r["build_id"],
            r["endpoint"],
            _server(r),
            str(r["restarts"]),
            "yes" if r["alive"] else "no",
        )
        for r in found
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(_gateway_line())
    return 0


def _gateway_line() -> str:
    from ..gateway import control, keeper

    directory = get_settings().deployments_dir
    pid = control.running_pid(directory)
    if pid is None:
        return "gateway: not running (the next deploy starts it)"
    state = keeper.read_state(directory)
    return f"gateway: pid {pid}, serving pid {state.get('serving_pid')}, restarts {state.get('restarts', 0)}"


def _server(row: dict) -> str:
    where = row["upstream"] or "-"
    return (
        f"{where} (container {row['container'][:12]})" if row["backend"] == "docker" else f"{where} (pid {row['pid']})"
    )
