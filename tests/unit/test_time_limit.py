"""The per-file time limit nests inside an outer SIGALRM timer (Airflow's import timeout) and gives it back."""

from __future__ import annotations

import signal
import time

import pytest

from automations.time_limit import RESERVE_S, BudgetSpent, DefinitionTimeout, time_limit

pytestmark = pytest.mark.unit


class OuterTimeout(BaseException):
    pass


@pytest.fixture
def outer_timer():
    def arm(seconds: float) -> None:
        signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(OuterTimeout()))
        signal.setitimer(signal.ITIMER_REAL, seconds)

    previous = signal.getsignal(signal.SIGALRM)
    remaining = signal.setitimer(signal.ITIMER_REAL, 0)[0]  # pytest-timeout's own alarm, put back afterwards
    yield arm
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)
    if remaining:
        signal.setitimer(signal.ITIMER_REAL, remaining)


def test_a_loop_is_stopped_and_the_outer_timer_keeps_what_is_left(outer_timer):
    outer_timer(30)
    started = time.monotonic()
    with pytest.raises(DefinitionTimeout) as caught, time_limit(0.3):
        while True:
            pass
    assert 0.25 < time.monotonic() - started < 5 and caught.value.seconds == 0.3
    left = signal.getitimer(signal.ITIMER_REAL)[0]
    assert 25 < left < 30, "the outer (Airflow) timer must be restored with the time that is left"


def test_the_limit_shrinks_to_keep_a_reserve_of_the_outer_budget(outer_timer):
    outer_timer(RESERVE_S + 0.3)
    with pytest.raises(DefinitionTimeout) as caught, time_limit(10):
        while True:
            pass
    assert caught.value.seconds < 0.5


def test_no_budget_left_means_not_run(outer_timer):
    outer_timer(RESERVE_S - 1)
    with pytest.raises(BudgetSpent), time_limit(5):
        pytest.fail("the block must not run")


def test_zero_means_no_limit_of_its_own(outer_timer):
    outer_timer(30)
    with time_limit(0):
        time.sleep(0.05)
    assert signal.getitimer(signal.ITIMER_REAL)[0] > 25
