"""Spread busy keep-alive connections evenly over the workers.

The workers share one listening socket, and a connection stays with the worker that accepted it for its whole
life. A client pool opening 64 connections at once can land 36/28, and 8 can land 5/3; since a CPU-bound
worker's queue (so its latency) grows with its busy connections, the busier worker sets p99 (11 ms against 6 ms
at 8 connections here). gunicorn's sync workers close every connection and so share one fair queue, the backlog.

Each worker publishes, in shared memory, how many of its connections sent a request in the last ACTIVE_S: an
idle keep-alive connection costs a worker nothing, so it does not count. A worker holding more than SLACK busy
connections above the least loaded worker answers with ``Connection: close``; the client's reconnect goes back to
the shared backlog, where the less busy worker, whose event loop is freer, mostly picks it up. A worker that is
being recycled, or a slot waiting for its replacement, is RETIRED: nobody sheds towards it, and it sheds all.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable, Hashable, MutableSequence
from multiprocessing.sharedctypes import RawArray
from typing import Any

SLACK = 1  # with 2, 8 connections settled 5/3 as often as 4/4
ACTIVE_S = 1.0
RETIRED = 2**31 - 1


def peer(client: Any) -> Hashable | None:
    """The key of a connection: its client's (host, port), as the ASGI scope and uvicorn's protocol both carry it;
    None without one (a Unix socket)."""
    return tuple(client) if client else None


def shared_counts(workers: int) -> Any:
    """One int per worker slot, in memory shared with the forked workers."""
    return RawArray(ctypes.c_int, workers)


class Balance:
    """The view of one worker (``index``) on the shared busy-connection counts."""

    def __init__(self, counts: MutableSequence[int], index: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.counts, self.index, self.clock = counts, index, clock
        self.seen: dict[Hashable, float] = {}  # connection -> when it last sent a request
        self.live: Callable[[], set[Hashable]] = lambda: set(self.seen)  # the open connections; the worker sets it

    @property
    def retired(self) -> bool:
        return self.counts[self.index] == RETIRED

    def shed(self, connection: Hashable | None) -> bool:
        """Note a request on ``connection``; True when its answer should close it to even out the workers."""
        if self.retired:
            return True
        if connection is None:  # a peer with no address (a Unix socket): nothing to track it by
            return False
        self.seen[connection] = self.clock()
        self.counts[self.index] = len(self.seen)
        if not self.above_the_least_loaded():
            return False
        self.refresh()  # closed or idle connections may be all that put it there
        if not self.above_the_least_loaded():
            return False
        del self.seen[connection]  # counted as gone already, so the next answers do not all shed at once
        self.counts[self.index] = len(self.seen)
        return True

    def above_the_least_loaded(self) -> bool:
        others = [c for i, c in enumerate(self.counts) if i != self.index]
        return bool(others) and self.counts[self.index] > min(others) + SLACK

    def refresh(self) -> None:
        """Forget closed and idle connections and publish the count (about once a second)."""
        if self.retired:
            return
        live, oldest = self.live(), self.clock() - ACTIVE_S
        self.seen = {c: t for c, t in self.seen.items() if c in live and t >= oldest}
        self.counts[self.index] = len(self.seen)

    def retire(self) -> None:
        self.counts[self.index] = RETIRED
