"""Keep the gateway's serving process alive: the gateway is a keeper process that forks the one that serves.

Every stable URL goes through the gateway, so its death would take them all down. The process recorded in
``gateway.json`` (the one deploys start and ``stop`` signals) only forks the serving process and waits on it:
when that dies (a crash, the OOM killer, a stray ``kill``) it is forked again at once, then after a back-off
that doubles per death in the last minute (0.1 s .. 30 s). Each restart is logged in the gateway log and counted
in ``gateway.json`` (``restarts``, ``serving_pid``). The keeper holds every listening socket the serving process
opened (listeners.py), so a restart refuses no connection: they wait in the backlog for the next serving process,
which the keeper forks with the serving code already imported. A serving process whose keeper is gone (SIGKILL)
stops too, and the next deploy starts a new gateway on the same ports.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import listeners

log = logging.getLogger("automations.gateway")

CRASH_WINDOW_S = 60.0
MAX_BACKOFF_S = 30.0


def state_file(directory: Path) -> Path:
    return directory / "gateway.json"


def read_state(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads(state_file(directory).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(directory: Path, **fields: Any) -> None:
    """Replace gateway.json atomically (deploys read it to find the gateway)."""
    data = dict(fields)
    tmp = state_file(directory).with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, state_file(directory))


def backoff_s(deaths: deque[float], now: float) -> float:
    """0 for the first death in the window, then 0.1 s doubling per death, capped."""
    while deaths and now - deaths[0] > CRASH_WINDOW_S:
        deaths.popleft()
    if len(deaths) <= 1:
        return 0.0
    return min(MAX_BACKOFF_S, 0.1 * 2 ** (len(deaths) - 2))


def _describe(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    return f"killed by signal {-code}" if code < 0 else f"exited with {code}"


class Keeper:
    """Forks ``serve`` (which returns an exit code) and forks it again whenever it dies, until SIGTERM/SIGINT.

    ``serve`` gets the listening sockets of the serving processes before it and the channel to hand over new ones.
    """

    def __init__(self, directory: Path, host: str, serve: Callable[[listeners.Listeners], int]) -> None:
        self.directory, self.host, self.serve = directory, host, serve
        self.kept: dict[int, Any] = {}  # stable port -> listening socket, as handed over by the serving processes
        self.keeper_end, self.serving_end = listeners.channel()
        self.child = 0
        self.restarts = 0  # of this keeper's serving process; a new keeper (a new gateway) starts at 0
        self.deaths: deque[float] = deque()
        self.stopping = False

    def stop(self, _signum: int, _frame: Any) -> None:
        self.stopping = True
        if self.child:
            try:
                os.kill(self.child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def fork(self) -> None:
        listeners.collect(self.keeper_end, self.kept)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = self.serve(listeners.Listeners(self.kept, self.serving_end))
            except BaseException:
                log.exception("gateway: the serving process failed")
            finally:
                logging.shutdown()
                sys.stderr.flush()
                os._exit(code)
        self.child = pid
        # The only writer of gateway.json: a deploy waits for this line to know the gateway is ours and up.
        write_state(self.directory, pid=os.getpid(), host=self.host, serving_pid=pid, restarts=self.restarts)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.fork()
        while True:
            try:
                pid, status = os.waitpid(self.child, 0)
            except ChildProcessError:
                return 0
            except InterruptedError:
                continue
            if self.stopping:
                return 0
            self.deaths.append(time.monotonic())
            delay = backoff_s(self.deaths, time.monotonic())
            self.restarts += 1
            log.error(
                "gateway: serving process %d %s; restarting it in %.1fs (gateway restart %d)",
                pid,
                _describe(status),
                delay,
                self.restarts,
            )
            deadline = time.monotonic() + delay
            while not self.stopping and time.monotonic() < deadline:
                time.sleep(min(0.1, delay))
            if self.stopping:
                return 0
            self.fork()
            log.warning("gateway: serving process restarted as pid %d (%d restarts so far)", self.child, self.restarts)
