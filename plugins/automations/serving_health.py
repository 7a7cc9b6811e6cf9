"""Waiting for a new model server's ``GET /health``: one loop for every backend that starts a server itself.

The backend says how to tell that its server is gone (a process that exited, a container that stopped) and
turns the outcome into its own message; the loop and the probe are the same everywhere.
"""

from __future__ import annotations

import enum
import time
import urllib.error
import urllib.request
from collections.abc import Callable


class Health(enum.Enum):
    healthy = "healthy"
    exited = "exited"  # the server is gone before it answered
    timed_out = "timed out"


def healthy(endpoint: str, timeout_s: float = 2.0) -> bool:
    """True when ``endpoint``/health answers 200 within ``timeout_s``."""
    try:
        with urllib.request.urlopen(f"{endpoint}/health", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(endpoint: str, timeout_s: float, gone: Callable[[], bool], interval_s: float = 0.25) -> Health:
    """Probe until /health answers 200, ``gone()`` is true, or ``timeout_s`` passes; say which came first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if healthy(endpoint):
            return Health.healthy
        if gone():
            return Health.exited
        time.sleep(interval_s)
    return Health.timed_out
