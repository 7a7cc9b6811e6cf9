"""When a worker closes a keep-alive connection to even out the workers (serve_balance)."""

import pytest

from model_runtime.serve_balance import ACTIVE_S, RETIRED, SLACK, Balance, peer, shared_counts

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def worker(counts, index, clock, connections=()):
    balance = Balance(counts, index, clock)
    for connection in connections:
        balance.seen[connection] = clock()
    counts[index] = len(balance.seen)
    return balance


def test_a_worker_sheds_only_above_the_least_loaded_one_plus_the_slack():
    counts, clock = shared_counts(2), Clock()
    quiet = worker(counts, 1, clock, [("q", n) for n in range(3)])
    busy = worker(counts, 0, clock, [("b", n) for n in range(3 + SLACK - 1)])
    assert not busy.shed(("b", 99))  # 3 + SLACK is within the slack
    assert busy.shed(("b", 100))  # one more is not
    assert counts[0] == 3 + SLACK  # counted as gone already, so its next answers do not all shed at once
    assert ("b", 100) not in busy.seen
    assert not quiet.shed(("q", 0))  # the less loaded worker never sheds


def test_five_and_three_busy_connections_settle_at_four_and_four():
    counts, clock = shared_counts(2), Clock()
    a = worker(counts, 0, clock, [("a", n) for n in range(5)])
    b = worker(counts, 1, clock, [("b", n) for n in range(3)])
    shed = [c for c in list(a.seen) if a.shed(c)]
    assert len(shed) == 1
    b.shed(shed[0])  # the client reconnects; the freer worker picks it up
    assert list(counts) == [4, 4]
    assert not any(a.shed(c) for c in list(a.seen)) and not any(b.shed(c) for c in list(b.seen))


def test_idle_and_closed_connections_are_forgotten_at_the_refresh():
    counts, clock = shared_counts(2), Clock()
    worker(counts, 1, clock, [("b", n) for n in range(6)])
    a = worker(counts, 0, clock, [("a", n) for n in range(6)])
    clock.now += ACTIVE_S / 2
    for n in range(3):
        a.shed(("a", n))  # three stay busy
    a.live = lambda: {("a", n) for n in range(5)}  # ("a", 5) closed
    clock.now += ACTIVE_S * 0.75  # ("a", 3) and ("a", 4) sent nothing for longer than ACTIVE_S
    a.refresh()
    assert counts[0] == 3 and set(a.seen) == {("a", 0), ("a", 1), ("a", 2)}


def test_a_worker_whose_connections_all_left_draws_the_next_ones():
    counts, clock = shared_counts(2), Clock()
    emptied = worker(counts, 0, clock, [("e", n) for n in range(4)])
    loaded = worker(counts, 1, clock, [("l", n) for n in range(4)])
    emptied.live = lambda: set()
    emptied.refresh()
    assert counts[0] == 0
    assert loaded.shed(("l", 0))  # without the refresh the stale 4 would keep all 4 on the loaded worker


def test_a_lone_worker_never_sheds_and_a_new_worker_draws_connections():
    assert not worker(shared_counts(1), 0, Clock(), [("x", n) for n in range(500)]).shed(("x", 0))
    counts, clock = shared_counts(3), Clock()
    worker(counts, 2, clock)  # just replaced: no connections yet
    assert worker(counts, 1, clock, [("y", n) for n in range(10)]).shed(("y", 0))


def test_nobody_sheds_towards_a_retired_worker_and_a_retired_worker_sheds_all():
    counts, clock = shared_counts(2), Clock()
    recycling = worker(counts, 0, clock)
    recycling.retire()
    other = worker(counts, 1, clock, [("o", n) for n in range(50)])
    assert counts[0] == RETIRED
    assert not other.shed(("o", 0))
    assert recycling.shed(("r", 0))
    recycling.refresh()
    assert counts[0] == RETIRED  # a refresh does not bring it back


def test_a_request_with_no_peer_address_is_never_shed():
    counts, clock = shared_counts(2), Clock()
    worker(counts, 1, clock)
    lone = worker(counts, 0, clock, [("z", n) for n in range(9)])
    assert not lone.shed(None)


def test_connections_closed_since_the_last_refresh_do_not_shed_a_lone_client():
    counts, clock = shared_counts(2), Clock()
    worker(counts, 1, clock)
    a = worker(counts, 0, clock, [("gone", 1), ("gone", 2)])  # closed a moment ago, before any refresh
    a.live = lambda: {("kept", 1)}
    assert not a.shed(("kept", 1))  # the client that stays keeps its connection
    assert counts[0] == 1


def test_the_scope_and_uvicorns_protocol_name_a_connection_alike():
    assert peer(["127.0.0.1", 5000]) == peer(("127.0.0.1", 5000)) == ("127.0.0.1", 5000)  # ASGI allows a list
    assert peer(None) is None
