"""A deploy in flight, written down so the next deploy can clean up after one that was killed mid-way.

The deploy writes ``.<key>.pending.json`` (under the variation's lock) right after it starts the new server, and
removes it when it ends, however it ends, unless its process is killed (SIGKILL, a lost worker). Then the marker
stays, and the next deploy of the variation (under the same lock) stops whichever of the two servers named there
the registry does not name (the new one when the kill came before the switch, the old one after it) and puts back
the launch file of the build the registry names.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from ...gateway import registry
from .process import cmdline, is_alive, stop_group

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Server:
    pid: int
    artifact: str
    build_id: str


@dataclass(frozen=True)
class Pending:
    new: Server
    previous: Optional[Server]
    previous_launch: Optional[str]  # the launch file (gateway supervisor) of the previous server, as it was


def path(directory: Path, key: str) -> Path:
    return directory / f".{key}.pending.json"


def mark(directory: Path, key: str, pending: Pending) -> None:
    target = path(directory, key)
    tmp = target.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps(asdict(pending)))
    os.replace(tmp, target)


def clear(directory: Path, key: str) -> None:
    path(directory, key).unlink(missing_ok=True)


def _load(file: Path) -> Optional[Pending]:
    try:
        data = json.loads(file.read_text())
        previous = Server(**data["previous"]) if data.get("previous") else None
        return Pending(Server(**data["new"]), previous, data.get("previous_launch"))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _ours(server: Server) -> bool:
    """Alive and still that server: a recycled pid belongs to somebody else and is never signalled."""
    line = cmdline(server.pid)
    return is_alive(server.pid) and (line is None or (registry.SERVE_MARKER in line and server.artifact in line))


def recover(directory: Path, automation: str, variation: str, launch_file: Path) -> list[int]:
    """Clean up after an interrupted deploy of this variation (call under its lock); returns the pids stopped."""
    key = registry.key(automation, variation)
    file = path(directory, key)
    pending = _load(file) if file.is_file() else None
    if pending is None:
        file.unlink(missing_ok=True)
        return []
    current = registry.read(directory, automation, variation)
    serving = current.pid if current else None
    stopped = []
    for server in (pending.new, pending.previous):
        if server is not None and server.pid != serving and _ours(server):
            stop_group(server.pid, grace_s=5.0)
            stopped.append(server.pid)
    if current and pending.previous and current.pid == pending.previous.pid and pending.previous_launch:
        launch_file.write_text(pending.previous_launch)  # the supervisor must restart the build that serves
    log.warning(
        "%s/%s: a previous deploy was interrupted (build %s); stopped its orphan server(s) %s, serving: %s",
        automation,
        variation,
        pending.new.build_id,
        stopped or "none",
        current.build_id if current else "nothing",
    )
    file.unlink(missing_ok=True)
    return stopped
