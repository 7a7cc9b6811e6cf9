"""The model's ``tests/it/`` after a deploy: the part every backend shares.

A backend decides only *where* ``python -m model_runtime integration`` runs (local: a process in the build's
venv; docker: a container of the serving image inside the new container's network). It hands ``outcome`` a
function that runs the command, streams its output through ``log_output`` under a ``Deadline``, and returns the
report's text. ``outcome`` turns that into an ``IntegrationTests`` and never raises: integration tests never fail
a deploy, so anything that keeps them from running (a timeout, a missing report, a broken environment) is a skip
with the reason.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from model_runtime import contract

from .runs import IntegrationTests

log = logging.getLogger(__name__)

# The runtime stops pytest after its own 600 s (model_runtime.integration); this covers interpreter (or container)
# start and the report, and stops an environment that hangs before pytest ever starts.
TIMEOUT_S = 900


class RunTimedOut(RuntimeError):
    """The deadline passed and the run was stopped."""


def absent(source: Path) -> IntegrationTests | None:
    """The skip for a model directory without ``tests/it/`` (nothing to start), or None when it has them."""
    if (source / contract.INTEGRATION_TESTS_DIR).is_dir():
        return None
    return IntegrationTests(status="skipped", reason="the model has no tests/it/ directory")


def outcome(run: Callable[[], str]) -> IntegrationTests:
    """``run``'s report as an outcome; whatever ``run`` raises becomes a skip that says why."""
    try:
        return IntegrationTests.model_validate(json.loads(run()))
    except Exception as exc:  # a missing report, a timeout, a broken venv or engine: reported, never raised
        return IntegrationTests(status="skipped", reason=f"tests/it/ could not run: {type(exc).__name__}: {exc}")


def log_output(lines: Iterable[str]) -> None:
    """Each line of the run's output into the deploy task's log as it arrives (the tests print no secrets of
    ours: the model's process never receives Airflow's environment)."""
    for line in lines:
        log.info("tests/it: %s", line)


def split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Whole lines from a byte stream whose chunks may end mid-line (a container's log stream)."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *whole, pending = pending.split(b"\n")
        yield from (line.decode("utf-8", "replace").rstrip("\r") for line in whole)
    if pending:
        yield pending.decode("utf-8", "replace")


class Deadline:
    """Calls ``stop`` once ``seconds`` have passed inside the ``with`` block; ``fired`` says whether it did.

    Why not a timeout argument: the output is streamed, and reading a stream blocks until it ends, so something
    else has to end it."""

    def __init__(self, seconds: float, stop: Callable[[], object]) -> None:
        self.seconds, self.fired = seconds, False
        self._stop = stop
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        try:
            self._stop()
        except Exception:  # already gone: nothing left to stop
            log.debug("tests/it: stopping the run at its deadline failed", exc_info=True)

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def check(self) -> None:
        if self.fired:
            raise RunTimedOut(f"tests/it/ ran longer than {self.seconds:g} s and was stopped")
