"""The real server process over HTTP: keep-alive, limits, errors, timeouts, idle clients, metrics and logs."""

import http.client
import json
import os
import signal
import socket
import time

import pytest
from tests.support.model_server import make_artifact, serving, wait_healthy

from model_runtime import contract

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serve")
    env = {contract.ENV_WORKERS: "2", contract.ENV_TIMEOUT_MS: "400", contract.ENV_MAX_BODY_BYTES: "20000"}
    with serving(make_artifact(directory / "artifact"), directory / "server.log", **env) as running:
        yield running


def test_health_and_predict(server):
    assert server.request("GET", "/health") == (200, b'{"status": "ok"}')
    assert server.predict([{"x": 1}, {"x": 2}]) == (200, [{"y": 2, "n": 2}, {"y": 4, "n": 2}])


def test_http11_keep_alive_reuses_one_connection(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", "/health")
        first = conn.getresponse()
        first.read()
        local = conn.sock.getsockname()
        for _ in range(3):
            conn.request("POST", "/predict", body=b'[{"x": 1}]')
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read()) == [{"y": 2, "n": 1}]
        assert first.version == 11 and first.getheader("connection", "").lower() != "close"
        assert conn.sock.getsockname() == local  # the same TCP connection throughout
    finally:
        conn.close()


def test_malformed_json_is_400_with_the_reason(server):
    status, body = server.request("POST", "/predict", b"{nope")
    assert status == 400 and "not valid JSON" in json.loads(body)["error"]
    # (one JSON object is one record, as RealTimeClient.predict(dict) sends it: see test_payload.py)
    status, body = server.request("POST", "/predict", b'"just text"')
    assert status == 400


def test_body_over_the_limit_is_413(server):
    big = json.dumps([{"x": i} for i in range(3000)]).encode()
    assert len(big) > 20000
    status, body = server.request("POST", "/predict", big)
    assert status == 413 and "20000 bytes" in json.loads(body)["error"]
    assert server.predict([{"x": 3}])[0] == 200


def test_unknown_route_is_404_and_wrong_method_405(server):
    assert server.request("GET", "/nope")[0] == 404
    assert server.request("GET", "/predict")[0] == 405


def test_predict_error_is_500_with_the_reason(server):
    status, body = server.predict([{"x": 1, "boom": 1}])
    assert status == 500 and "ValueError: bad feature" in body["error"]


def test_slow_prediction_is_504_and_the_server_recovers(server):
    started = time.monotonic()
    status, body = server.predict([{"x": 1, "sleep": 3}])
    assert status == 504 and "400 ms" in body["error"]
    assert time.monotonic() - started < 2
    # The stuck worker hands over to a fresh one; meanwhile and afterwards every request is answered.
    for _ in range(10):
        assert server.predict([{"x": 2}]) == (200, [{"y": 4, "n": 1}])
    deadline = time.monotonic() + 10
    while 'model_server_worker_restarts_total{reason="timeout"} 1.0' not in server.metrics():
        assert time.monotonic() < deadline, server.metrics()
        time.sleep(0.1)


def test_idle_and_half_sent_clients_do_not_starve_others(server):
    idle = []
    try:
        for i in range(3 * 2):  # 3x the workers
            sock = socket.create_connection(("127.0.0.1", server.port))
            if i % 2:
                sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{")  # never finished
            idle.append(sock)
        time.sleep(0.2)
        for _ in range(5):
            started = time.monotonic()
            assert server.request("GET", "/health", timeout=2)[0] == 200
            assert server.predict([{"x": 1}], timeout=2)[0] == 200
            # The bar is 100 ms (make bench-serve measures it); the test allows for a shared, busy CPU.
            assert time.monotonic() - started < 1.0
    finally:
        for sock in idle:
            sock.close()


def test_health_answers_while_predict_is_busy(server):
    import threading

    slow = threading.Thread(target=server.predict, args=([{"x": 1, "sleep": 0.3}],))
    slow.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert server.request("GET", "/health")[0] == 200
    assert time.monotonic() - started < 0.25
    slow.join()


def test_metrics_count_status_latency_in_flight_and_records(server):
    server.predict([{"x": i} for i in range(7)])
    server.request("POST", "/predict", b"{nope")
    text = server.metrics()
    assert 'model_server_requests_total{path="/predict",status="200"}' in text
    assert 'model_server_requests_total{path="/predict",status="400"}' in text
    assert 'model_server_request_duration_seconds_bucket{le="0.005",path="/predict"}' in text
    assert "model_server_requests_in_flight" in text
    assert 'model_server_records_per_request_bucket{le="10.0"}' in text
    counts = [line for line in text.splitlines() if line.startswith("model_server_records_per_request_count")]
    assert counts and float(counts[0].split()[-1]) >= 1


def test_one_structured_log_line_per_request(server):
    server.predict([{"x": 1}, {"x": 2}, {"x": 3}])
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith('{"time"')]
        match = [line for line in lines if line["path"] == "/predict" and line["records"] == 3]
        if match or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert match, lines[-5:]
    assert match[-1]["method"] == "POST" and match[-1]["status"] == 200 and match[-1]["ms"] > 0


def test_a_crashed_worker_is_replaced_with_back_off_logged_and_counted(server):
    victim = server.workers()[0]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while 'model_server_worker_restarts_total{reason="crash"} 1.0' not in server.metrics() or (
        len(server.workers()) < 2  # counted first, forked after the back-off
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert victim not in server.workers()
    restarts = [json.loads(line) for line in server.log.read_text().splitlines() if '"worker_restart"' in line]
    assert any(r["worker"] == victim and r["reason"] == "crash" for r in restarts)
    wait_healthy(server)


def test_busy_connections_even_out_over_the_workers_and_idle_ones_do_not_count(tmp_path):
    """8 busy keep-alive clients settle 4/4 over 2 workers, whatever 6 idle ones are holding (serve_balance)."""
    import threading

    import psutil

    env = {contract.ENV_WORKERS: "2", contract.ENV_TIMEOUT_MS: "5000"}
    with serving(make_artifact(tmp_path / "artifact"), tmp_path / "server.log", **env) as running:
        idle = [http.client.HTTPConnection("127.0.0.1", running.port, timeout=5) for _ in range(6)]
        for conn in idle:
            conn.request("GET", "/health")
            conn.getresponse().read()  # one request, then quiet: open, but not busy
        ports: dict[int, int] = {}
        statuses: list[int] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def client(i: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=5)
            try:
                while not stop.is_set():
                    conn.request("POST", "/predict", body=b'[{"x": 1, "sleep": 0.005}]')
                    ports[i] = conn.sock.getsockname()[1]
                    response = conn.getresponse()
                    response.read()
                    statuses.append(response.status)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(2.0)  # a second for the counts to settle, a second for a refresh
            snapshots = [_busy_per_worker(psutil, running, set(ports.values())) for _ in _every(0.1, 40)]
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)
            for conn in idle:
                conn.close()
    assert not errors and statuses and set(statuses) == {200}
    even = sum(snapshot == [4, 4] for snapshot in snapshots)
    assert even >= 0.8 * len(snapshots), snapshots


def _every(interval_s: float, times: int):
    for n in range(times):
        yield n
        time.sleep(interval_s)


def _busy_per_worker(psutil, server, busy_ports: set[int]) -> list[int]:
    counts = []
    for pid in server.workers():
        peers = {
            c.raddr.port
            for c in psutil.Process(pid).net_connections(kind="tcp")
            if c.status == psutil.CONN_ESTABLISHED and c.raddr and c.laddr.port == server.port
        }
        counts.append(len(peers & busy_ports))
    return sorted(counts)
