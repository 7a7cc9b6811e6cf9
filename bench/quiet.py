"""Wait for an idle machine before a measurement, so that one server's leftover work is not billed to the next.

A server keeps computing the requests already queued when wrk stops (gunicorn's backlog, MLServer's inference
pool, our predict queues), for up to seconds at 64 connections; on 2 cores that work took CPU from whichever
server wrk measured next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

IDLE_BELOW = 0.15  # busy share of all cores over one sample
SAMPLE_S = 0.25
MAX_WAIT_S = 15.0


def cpu_times(stat: Path = Path("/proc/stat")) -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot; iowait counts as idle."""
    fields = [int(x) for x in stat.read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else 0.0


def settle(
    read: Callable[[], tuple[int, int]] = cpu_times,
    sleep: Callable[[float], None] = time.sleep,
    max_wait_s: float = MAX_WAIT_S,
) -> bool:
    """Return once a SAMPLE_S window is under IDLE_BELOW busy (True), or after max_wait_s without one (False)."""
    waited = 0.0
    before = read()
    while waited < max_wait_s:
        sleep(SAMPLE_S)
        waited += SAMPLE_S
        after = read()
        if busy_share(before, after) < IDLE_BELOW:
            return True
        before = after
    return False
