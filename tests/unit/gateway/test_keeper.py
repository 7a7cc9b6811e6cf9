"""The gateway keeper's back-off and its gateway.json record (the fork-and-restart loop is tested for real in
tests/integration/local/test_stable_endpoint.py, by killing the serving process)."""

from collections import deque

import pytest

from automations.gateway import keeper

pytestmark = pytest.mark.unit


def test_first_death_restarts_at_once_then_the_wait_doubles_and_is_capped():
    deaths: deque[float] = deque()
    waits = []
    for n in range(12):
        deaths.append(float(n))
        waits.append(keeper.backoff_s(deaths, float(n)))
    assert waits[:4] == [0.0, 0.1, 0.2, 0.4]
    assert max(waits) == keeper.MAX_BACKOFF_S


def test_deaths_older_than_the_window_are_forgotten():
    deaths = deque([0.0, 1.0, 2.0])
    assert keeper.backoff_s(deaths, 2.0 + keeper.CRASH_WINDOW_S + 5) == 0.0
    assert not deaths


def test_state_is_replaced_atomically_and_unreadable_state_is_empty(tmp_path):
    assert keeper.read_state(tmp_path) == {}
    keeper.write_state(tmp_path, pid=1, restarts=0)
    keeper.write_state(tmp_path, pid=2, serving_pid=3, restarts=1)
    assert keeper.read_state(tmp_path) == {"pid": 2, "serving_pid": 3, "restarts": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["gateway.json"]  # no temporary file left behind
    keeper.state_file(tmp_path).write_text("[1, 2]")
    assert keeper.read_state(tmp_path) == {}
