"""Analytics writes survive a database restart: a write whose connection fails is retried with back-off.

Only connection-level failures are retried (the server went away, refused, or is starting up). A write that the
database itself rejects fails at once. When the database is still unreachable after the retry window
(``AUTOMATIONS_ANALYTICS_WRITE_RETRY``, seconds), the write raises AnalyticsUnavailable naming the write, the
attempts and the last error, so the caller fails or logs it clearly.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
_FIRST_DELAY_S, _MAX_DELAY_S = 0.25, 4.0


class AnalyticsUnavailable(RuntimeError):
    """The analytics database stayed unreachable for the whole retry window."""


# OperationalError also covers mistakes ("no such table"), which must fail at once: retry only these.
_TRANSIENT = (
    "connection",
    "could not connect",
    "server closed",
    "starting up",
    "shutting down",
    "terminating",
    "database is locked",
)


def _is_connection_failure(exc: BaseException) -> bool:
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and any(m in str(exc.orig).lower() for m in _TRANSIENT)


def retrying_write(method: F) -> F:
    """For methods of an object with ``write_retry_s`` (the AnalyticsStore)."""

    @functools.wraps(method)
    def wrapper(store: Any, *args: Any, **kwargs: Any) -> Any:
        # The window is the store's own (settings read once, when the store was opened), not a global.
        deadline = time.monotonic() + store.write_retry_s
        delay, attempt = _FIRST_DELAY_S, 1
        while True:
            try:
                return method(store, *args, **kwargs)
            except Exception as exc:
                if not _is_connection_failure(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                    raise AnalyticsUnavailable(
                        f"analytics write {method.__name__} failed after {attempt} attempt(s): {reason}"
                    ) from exc
                log.warning("analytics write %s: connection failed (attempt %d), retrying", method.__name__, attempt)
                time.sleep(delay)
                delay, attempt = min(delay * 2, _MAX_DELAY_S), attempt + 1

    return wrapper  # type: ignore[return-value]
