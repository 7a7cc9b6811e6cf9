"""Spread keep-alive connections evenly over the workers.

The workers share one listening socket, and a connection stays with the worker that accepted it for its whole
life. A client pool opening 64 connections at once can land 36/28, and since a CPU-bound worker's queue (so its
latency) grows with its connections, p99 at 64 connections x 100 records was 1.23x gunicorn's, whose sync workers
close every connection and so share one fair queue (the backlog). Here each worker publishes its open connection
count in shared memory; one holding more than SLACK above the least loaded worker answers with Connection:
close, and the client's reconnect goes back to the shared backlog, where the less busy worker, whose event loop
is freer, mostly picks it up.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, MutableSequence
from multiprocessing.sharedctypes import RawArray
from typing import Any

SLACK = 2


def shared_counts(workers: int) -> Any:
    """One int per worker slot, in memory shared with the forked workers."""
    return RawArray(ctypes.c_int, workers)


class Balance:
    """The view of one worker (``index``) on the shared connection counts."""

    def __init__(self, counts: MutableSequence[int], index: int, connections: Callable[[], int] = lambda: 0) -> None:
        self.counts, self.index, self.connections = counts, index, connections

    def shed(self) -> bool:
        """Publish this worker's count; True when this answer should close its connection to rebalance."""
        mine = self.connections()
        self.counts[self.index] = mine
        others = [c for i, c in enumerate(self.counts) if i != self.index]
        if not others or mine <= min(others) + SLACK:
            return False
        self.counts[self.index] = mine - 1  # so this worker's next answers see the connection as gone already
        return True
