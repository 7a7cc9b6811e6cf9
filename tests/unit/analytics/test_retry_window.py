"""The write-retry window is the store's own, read from the settings once when the store is opened."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import OperationalError

from automations.analytics import open_store
from automations.analytics.retry import AnalyticsUnavailable, retrying_write
from automations.settings import get_settings

pytestmark = pytest.mark.unit


class _Unreachable:
    def __init__(self, write_retry_s: float):
        self.write_retry_s = write_retry_s
        self.attempts = 0

    @retrying_write
    def write(self) -> None:
        self.attempts += 1
        raise OperationalError("INSERT", {}, Exception("could not connect to server: Connection refused"))


def test_the_window_comes_from_the_object_not_the_environment(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_ANALYTICS_WRITE_RETRY", "600")
    store = _Unreachable(write_retry_s=0.6)
    started = time.monotonic()
    with pytest.raises(AnalyticsUnavailable, match=r"analytics write write failed after [23] attempt\(s\)"):
        store.write()
    assert time.monotonic() - started < 5
    assert store.attempts in (2, 3)  # 0.25 s, then 0.5 s would pass the 0.6 s window


def test_open_store_takes_the_window_from_the_settings(sqlite_env, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_ANALYTICS_WRITE_RETRY", "7.5")
    assert open_store(get_settings()).write_retry_s == 7.5
