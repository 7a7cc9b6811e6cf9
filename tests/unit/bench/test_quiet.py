"""bench/quiet.py: a measurement starts only once the previous server's leftover work is done."""

from __future__ import annotations

import pytest
from bench.quiet import busy_share, cpu_times, settle

pytestmark = pytest.mark.unit


def readings(*busy_shares: float):
    """A /proc/stat reader whose successive windows are ``busy_shares`` busy (100 jiffies each)."""
    busy, total, out = 0, 0, [(0, 0)]
    for share in busy_shares:
        busy, total = busy + round(share * 100), total + 100
        out.append((busy, total))
    return iter(out).__next__


def test_waits_through_busy_windows_and_returns_at_the_first_idle_one():
    sleeps: list[float] = []
    assert settle(readings(0.9, 0.6, 0.05, 0.9), sleeps.append) is True
    assert len(sleeps) == 3


def test_gives_up_after_the_wait_limit_when_the_machine_stays_busy():
    sleeps: list[float] = []
    assert settle(readings(*[1.0] * 10), sleeps.append, max_wait_s=1.0) is False
    assert sum(sleeps) == pytest.approx(1.0)


def test_busy_share_counts_iowait_as_idle(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  10 0 10 70 10 0 0 0 0 0\ncpu0 1 0 1 7 1 0 0 0 0 0\n")
    assert cpu_times(stat) == (20, 100)
    assert busy_share((20, 100), (50, 200)) == pytest.approx(0.3)
    assert busy_share((20, 100), (20, 100)) == 0.0
