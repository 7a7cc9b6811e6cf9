"""Subprocesses for the local backend: stream a command's output line by line, and stop detached servers."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Optional

import psutil

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Completed:
    code: int
    tail: str  # the last lines of merged stdout/stderr, for error messages
    seconds: float


def run_streaming(
    cmd: list[str],
    env: dict[str, str],
    cwd: Path,
    emit: Callable[[str], None] = log.info,
    tail_lines: int = 60,
    heartbeat_s: float = 30.0,
    preexec_fn: Optional[Callable[[], None]] = None,
) -> Completed:
    """Run ``cmd``, passing every output line to ``emit`` as it arrives (the task log shows progress live).

    A step that stays silent (a long resolve, a long training loop) gets a "still running" line every
    ``heartbeat_s`` seconds, so a slow build is distinguishable from a stuck task in the log.
    """
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=tail_lines)
    lines: queue.Queue[Optional[str]] = queue.Queue()
    with subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        bufsize=1,
        preexec_fn=preexec_fn,  # noqa: PLW1509 - only setrlimit, which is async-signal-safe
    ) as proc:
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
        while (line := _next_line(lines, heartbeat_s, started, emit)) is not None:
            tail.append(line)
            emit(line)
        code = proc.wait()
    return Completed(code=code, tail="\n".join(tail), seconds=time.monotonic() - started)


def _pump(stream: Optional[IO[str]], lines: queue.Queue[Optional[str]]) -> None:
    assert stream is not None
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)  # end of output


def _next_line(
    lines: queue.Queue[Optional[str]], heartbeat_s: float, started: float, emit: Callable[[str], None]
) -> Optional[str]:
    while True:
        try:
            return lines.get(timeout=heartbeat_s)
        except queue.Empty:
            emit(f"... still running after {time.monotonic() - started:.0f}s")


def is_alive(pid: Optional[int]) -> bool:
    """True for a running process; False for none, or a zombie (exited, not yet reaped)."""
    if not pid:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True  # it exists; whose it is, the caller checks through cmdline()


def cmdline(pid: int) -> Optional[str]:
    """The process's command line; "" for a kernel thread, a zombie or a gone process; None when the OS will not
    tell (another user's process on macOS), so the caller cannot check whose it is."""
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:  # ZombieProcess included
        return ""
    except psutil.AccessDenied:
        return None


def _reap(pid: int) -> None:
    # Only our own children can be reaped; for anyone else's this is a no-op.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def stop_group(pid: int, grace_s: float = 10.0) -> bool:
    """SIGTERM the process group led by ``pid`` (the server and its workers), SIGKILL after ``grace_s``.

    Returns True when the process is gone. Servers are started with start_new_session, so pid == pgid.
    """
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return True
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            _reap(pid)
            if not is_alive(pid):
                return True
            time.sleep(0.1)
    return not is_alive(pid)
