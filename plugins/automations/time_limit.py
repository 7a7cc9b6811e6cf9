"""A per-file time limit for Python definition files, nested inside Airflow's own DAG-file import timeout.

Airflow bounds a whole DAG file with SIGALRM (``dagbag_import_timeout``). When that fires, every automation in
the file loses its DAG. So each Python definition gets its own, shorter alarm, and the outer alarm is restored
afterwards with what is left of it. A reserve of the outer budget is kept back for the files still to come: once
the budget is spent, the remaining Python files are reported as not run instead of losing everyone's DAGs.

Signals only reach the main thread; elsewhere (a thread pool) no limit is set and the caller's own timeout applies.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

RESERVE_S = 3.0  # of the outer budget, left for the YAML files and the DAG building after the Python files


class DefinitionTimeout(BaseException):
    """Raised inside a definition file that ran too long (BaseException: a file's ``except Exception`` can't eat it)."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


class BudgetSpent(Exception):
    """The outer import budget is too nearly spent to run another definition file."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise DefinitionTimeout in the block after ``seconds``; raises BudgetSpent when the outer alarm is too near."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    limit = seconds if not outer_left else min(seconds, outer_left - RESERVE_S)
    if limit <= 0:
        raise BudgetSpent(f"{outer_left:.1f}s of the DAG file's import timeout were left")
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: _raise_timeout(limit))
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 0.001))


def _raise_timeout(limit: float) -> None:
    raise DefinitionTimeout(limit)
