"""When a worker closes a keep-alive connection to even out the workers (serve_balance)."""

import pytest

from model_runtime.serve_balance import SLACK, Balance, shared_counts

pytestmark = pytest.mark.unit


def test_a_worker_sheds_only_above_the_least_loaded_one_plus_the_slack():
    counts = shared_counts(2)
    busy, quiet = Balance(counts, 0, lambda: 28 + SLACK), Balance(counts, 1, lambda: 28)
    counts[0] = 28 + SLACK
    assert not quiet.shed()  # publishes 28
    assert not busy.shed()  # 30 is within the slack
    busy.connections = lambda: 29 + SLACK
    assert busy.shed()
    assert counts[0] == 28 + SLACK  # counted as gone already, so its next answers do not all shed at once
    assert not quiet.shed()  # the less loaded worker never sheds


def test_a_lone_worker_never_sheds_and_a_new_worker_draws_connections():
    assert not Balance(shared_counts(1), 0, lambda: 500).shed()
    counts = shared_counts(3)
    counts[1], counts[2] = 10, 0  # worker 2 was just replaced: it has no connections yet
    assert Balance(counts, 1, lambda: 10).shed()
