"""make bench-serve reads wrk's report right: its figures are only as good as this parsing."""

from __future__ import annotations

import pytest
from bench.serve import parse_wrk, ratios

pytestmark = pytest.mark.unit

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:4000/predict
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.10ms    1.20ms  40.00ms   90.00%
    Req/Sec     1.30k   100.00     1.50k    70.00%
  Latency Distribution
     50%  850.00us
     75%    3.00ms
     90%    4.00ms
     99%    1.20s
  12990 requests in 5.00s, 2.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   2597.40
Transfer/sec:    400.00KB
"""


def test_parse_wrk_reads_rate_percentiles_in_ms_and_every_kind_of_error():
    assert parse_wrk(WRK_OUTPUT) == {"rps": 2597.40, "p50_ms": 0.85, "p99_ms": 1200.0, "errors": 7, "requests": 12990}


def test_ratios_are_against_gunicorn_at_the_same_point():
    results = {
        "gunicorn+flask": {"c8-r1": {"rps": 100.0, "p99_ms": 20.0, "p50_ms": 5.0, "errors": 0, "requests": 1}},
        "ours": {"c8-r1": {"rps": 150.0, "p99_ms": 10.0, "p50_ms": 2.0, "errors": 0, "requests": 1}},
    }
    ours = next(row for row in ratios(results) if row["server"] == "ours")
    assert (ours["rps_ratio"], ours["p99_ratio"]) == (1.5, 0.5)


def test_mlserver_gets_the_same_records_as_one_v2_input_per_column():
    from bench.serve import v2_request

    request = v2_request([{"a": 1.0, "b": 2.0}, {"a": 3.0, "b": 4.0}])
    assert request["parameters"] == {"content_type": "pd"}  # MLServer's pandas codec: a DataFrame for predict()
    assert request["inputs"] == [
        {"name": "a", "shape": [2], "datatype": "FP64", "data": [1.0, 3.0]},
        {"name": "b", "shape": [2], "datatype": "FP64", "data": [2.0, 4.0]},
    ]
