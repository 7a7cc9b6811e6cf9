"""Start, find, wait on and stop the local gateway process (one per deployments directory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from ..backends.local.process import cmdline, is_alive, stop_group
from ..settings import PLUGINS_DIR
from . import keeper, ports, registry
from .routes import Table, build_table

MODULE = "automations.gateway"


def connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0") else ("::1" if host == "::" else host)


def url(host: str, port: int) -> str:
    shown = connect_host(host)
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


def table_loader(directory: Path) -> Callable[[], Table]:
    def load() -> Table:
        records = [
            dict(asdict(d), key=registry.key(d.automation, d.variation)) for d in registry.all_deployments(directory)
        ]
        return build_table(records, ports.read(directory))

    return load


def running_pid(directory: Path) -> Optional[int]:
    """The keeper's pid (the gateway process deploys start and ``stop`` signals), when it runs."""
    try:
        pid = int(keeper.read_state(directory)["pid"])
    except (ValueError, KeyError, TypeError):
        return None
    line = cmdline(pid)
    ours = line is None or (MODULE in line and str(directory) in line)
    return pid if is_alive(pid) and ours else None


def routes(host: str, directory: Path, timeout_s: float = 2.0) -> Optional[dict]:
    models = ports.read(directory).get(ports.MODELS_KEY)
    if models is None:
        return None
    try:
        with urllib.request.urlopen(f"{url(host, models)}/_gateway/routes", timeout=timeout_s) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def ensure_running(directory: Path, host: str, timeout_s: float = 30.0) -> int:
    """The gateway's pid, starting it (detached, like the servers) when it is not running."""
    with registry.locked(directory, "__gateway__", "start"):
        ports.assign(directory, ports.MODELS_KEY, host)
        pid = running_pid(directory)
        if pid is None:
            pid = _start(directory, host)
    deadline = time.monotonic() + timeout_s
    while routes(host, directory) is None:
        if time.monotonic() > deadline or not is_alive(pid):
            raise RuntimeError(f"the local gateway did not start; see {directory / 'logs' / 'gateway.log'}")
        time.sleep(0.1)
    return pid


def _start(directory: Path, host: str, timeout_s: float = 30.0) -> int:
    log_path = directory / "logs" / "gateway.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(PLUGINS_DIR), os.environ.get("PYTHONPATH")) if p))
    with log_path.open("ab") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--deployments-dir", str(directory), "--host", host],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    # The keeper writes gateway.json when it forks its serving process; wait for it so that the next
    # ensure_running (after this lock) finds this gateway rather than starting a second one.
    deadline = time.monotonic() + timeout_s
    while keeper.read_state(directory).get("pid") != proc.pid:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the local gateway did not start; see {log_path}")
        time.sleep(0.05)
    return proc.pid


def wait_routed(directory: Path, host: str, key: str, upstream: str, timeout_s: float = 30.0) -> None:
    """Return once the gateway sends ``key``'s traffic to ``upstream`` (so the previous server may stop)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        table = routes(host, directory) or {}
        if table.get("routes", {}).get(key, {}).get("upstream") == upstream:
            return
        time.sleep(0.05)
    raise RuntimeError(f"the local gateway did not route {key} to {upstream} within {timeout_s:g}s")


def wait_unrouted(directory: Path, host: str, key: str, timeout_s: float = 10.0) -> None:
    """Return once the gateway (if running) no longer routes ``key``, so its server can stop without a refusal."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        table = routes(host, directory)
        if table is None or key not in table.get("routes", {}):
            return
        time.sleep(0.05)


def stop(directory: Path) -> bool:
    pid = running_pid(directory)
    if pid is None:
        return True
    return stop_group(pid, grace_s=5.0)
