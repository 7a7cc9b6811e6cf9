"""Hostile clients against the real model server process, black-box over HTTP (raw sockets where HTTP lies).

After each attack /health and /predict must still answer other clients quickly, and the server's memory (the
supervisor and its workers) must stay bounded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from tests.support.model_server import make_artifact, serving

from model_runtime import contract

pytestmark = pytest.mark.unit

WORKERS = 2
MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serve-attacks")
    env = {contract.ENV_WORKERS: str(WORKERS), contract.ENV_TIMEOUT_MS: "30000"}  # default body limit (8 MiB)
    with serving(make_artifact(directory / "artifact"), directory / "server.log", **env) as running:
        yield running


def rss_mb(server) -> float:
    """Resident memory of the supervisor and its workers, from /proc."""
    total_kb = 0
    for pid in [server.proc.pid, *server.workers()]:
        status = Path(f"/proc/{pid}/status").read_text()
        total_kb += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return total_kb / 1024


def others_still_served(server, limit_s: float = 2.0) -> None:
    started = time.monotonic()
    assert server.request("GET", "/health", timeout=5)[0] == 200
    assert server.predict([{"x": 4}], timeout=5) == (200, [{"y": 8, "n": 1}])
    assert time.monotonic() - started < limit_s, f"{time.monotonic() - started:.2f}s for /health + /predict"


def raw(server, data: bytes, read_timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes or goes quiet; the status line is what matters."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=read_timeout) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.") else 0


def test_a_100_mb_body_is_refused_without_being_held_in_memory(server):
    before = rss_mb(server)
    record = b'{"x": 1},'
    head = f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: {100 * MB}\r\n\r\n".encode()
    reply = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        try:
            sock.sendall(head + b"[")
            for _ in range(100 * MB // (len(record) * 100_000)):
                sock.sendall(record * 100_000)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest: that is the point
        sock.settimeout(10)
        try:
            reply = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            pass
    assert status_of(reply) == 413 and b"larger than" in reply, reply[:300]
    assert rss_mb(server) - before < 50, f"memory grew from {before:.0f} MB to {rss_mb(server):.0f} MB"
    others_still_served(server)


def test_a_100_mb_chunked_body_without_content_length_is_cut_off_at_the_limit(server):
    before = rss_mb(server)
    chunk = b'{"x": 1},' * 100_000
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    reply = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head + b"1\r\n[\r\n")
        try:
            for _ in range(100 * MB // len(chunk)):
                sock.sendall(framed)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: that is the point
        sock.settimeout(10)
        try:
            reply = sock.recv(65536)
        except (TimeoutError, ConnectionResetError):
            pass
    assert status_of(reply) in (413, 0), reply[:200]  # a 413, or the connection closed on us
    assert rss_mb(server) - before < 50
    others_still_served(server)


@pytest.mark.parametrize(
    "head",
    [
        b"Content-Length: 5\r\n\r\n" + b'[{"x": 1}, {"x": 2}]',  # says less than it sends
        b"Content-Length: -1\r\n\r\n[]",
        b"Content-Length: abc\r\n\r\n[]",
        b"Content-Length: 2\r\nContent-Length: 40\r\n\r\n[]",  # two that disagree
        b"Content-Length: 99999999999999999999\r\n\r\n[]",
    ],
    ids=["shorter", "negative", "not-a-number", "two-disagreeing", "absurd"],
)
def test_a_lying_content_length_gets_an_error_and_the_server_carries_on(server, head):
    reply = raw(server, b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + head)
    assert status_of(reply) in (400, 413) or reply == b"", reply[:200]
    others_still_served(server)


def test_a_content_length_longer_than_the_body_does_not_hold_a_worker(server):
    """The client promises 1,000 bytes, sends 10 and waits: other clients are served meanwhile."""
    socks = []
    try:
        for _ in range(WORKERS * 3):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{"x": 1}')
            socks.append(sock)
        time.sleep(0.3)
        for _ in range(3):
            others_still_served(server)
    finally:
        for sock in socks:
            sock.close()


def test_fifty_idle_connections_do_not_starve_health_or_predict(server):
    idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(25 * WORKERS)]
    try:
        time.sleep(0.3)
        for _ in range(5):
            others_still_served(server, limit_s=1.0)
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", 400),
        (b"{nope", 400),
        (b"\xff\xfe\x00garbage", 400),
        (b"[" * 200_000 + b"]" * 200_000, 400),  # nesting that a recursive JSON parser cannot follow
        (b"null", 400),
        (b'"a string"', 400),
        (b"[1, 2, 3]", 400),
        (b'[{"x": 1e999999}]', 200),  # Python's JSON reads these as inf and NaN: answered, not a crash
        (b'[{"x": NaN}]', 200),
        (b'[{"x": "' + b"a" * (5 * MB) + b'"}]', 200),
    ],
    ids=["empty", "broken", "not-utf8", "deep-nesting", "null", "string", "scalars", "huge-number", "nan", "5mb-str"],
)
def test_malformed_json_is_a_400_with_the_reason_and_never_kills_the_server(server, body, expected):
    status, reply = server.request("POST", "/predict", body, timeout=30)
    assert status == expected, (status, reply[:200])
    if status == 400:
        assert "error" in json.loads(reply), reply[:200]
    others_still_served(server)


def test_memory_stays_bounded_over_repeated_large_requests(server):
    """A 1 MB body (100,000 records) is well within the limit; doing it again and again must not grow memory."""
    body = b"[" + b'{"x": 1},' * 100_000 + b'{"x": 1}]'
    statuses: list[int] = []

    def rounds(n: int) -> None:
        for _ in range(n):
            threads = [
                threading.Thread(target=lambda: statuses.append(server.request("POST", "/predict", body, 120)[0]))
                for _ in range(WORKERS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(180)

    rounds(1)  # every worker has now held one such request: its high-water mark
    after_first = rss_mb(server)
    rounds(4)
    after_all = rss_mb(server)
    print(f"server RSS: {after_first:.0f} MB after a 1 MB request per worker, {after_all:.0f} MB after 8 more")
    assert statuses == [200] * (5 * WORKERS)
    assert len(server.workers()) == WORKERS
    assert after_all - after_first < 60, f"{after_first:.0f} MB -> {after_all:.0f} MB"
    others_still_served(server)


def peak_rss_mb(server, send) -> tuple[float, float]:
    """(RSS before, peak RSS while ``send()`` runs) of the supervisor and its workers, sampled with psutil."""
    import psutil

    def now() -> float:
        root = psutil.Process(server.proc.pid)
        return sum(p.memory_info().rss for p in [root, *root.children()]) / MB

    before, peak, done = now(), [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], now())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        send()
    finally:
        done.set()
        sampler.join()
    return before, max(peak[0], now())


def test_concurrent_large_bodies_are_handled_one_per_worker_so_memory_does_not_multiply(server):
    """8 clients each send a 4 MB body at once. Parsed, each takes several times its size, and predict() holds it
    for 0.3 s: if a worker read every body while the model was busy, 8 would be in memory. It reads one large
    body at a time, so 8 concurrent ones peak as high as 2 (one per worker)."""
    body = json.dumps([{"x": 1, "sleep": 0.3, "pad": "a" * 200}] * 19_000).encode()
    assert 1 * MB < len(body) < 8 * MB

    def send(n: int) -> list[int]:
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda: statuses.append(server.request("POST", "/predict", body, 120)[0]))
            for _ in range(n)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(180)
        assert statuses == [200] * n
        return statuses

    base, two = peak_rss_mb(server, lambda: send(WORKERS))
    _, eight = peak_rss_mb(server, lambda: send(4 * WORKERS))
    print(f"server RSS {base:.0f} MB; peak {two:.0f} MB with 2 concurrent 4 MB bodies, {eight:.0f} MB with 8")
    one_per_worker = two - base
    assert one_per_worker > 10, "the bodies should cost memory to parse; the test would prove nothing"
    assert eight - base < 1.5 * one_per_worker + 20, (base, two, eight)  # 8 held at once would be ~4x
    others_still_served(server)


def test_a_client_that_sends_its_whole_body_first_reads_the_413_not_a_reset(server):
    """http.client (like requests) writes the whole 9 MB before reading: the server drops the rest, then answers."""
    body = b"[" + b'{"x": 1},' * (9 * MB // 9) + b'{"x": 1}]'
    status, reply = server.request("POST", "/predict", body, timeout=30)
    assert status == 413 and b"larger than" in reply, reply[:200]
    others_still_served(server)
