"""The one /health wait the local and docker deploys share, against a real HTTP server on a free port."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from automations.serving_health import Health, healthy, wait_healthy

pytestmark = pytest.mark.unit


@pytest.fixture
def server():
    status = {"code": 503}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            self.send_response(status["code"] if self.path == "/health" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", status
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthy_is_a_200_on_health_only(server):
    endpoint, status = server
    assert healthy(endpoint) is False
    status["code"] = 200
    assert healthy(endpoint) is True
    assert healthy(f"http://127.0.0.1:{_closed_port()}") is False
    assert healthy("not a url") is False


def test_wait_returns_healthy_once_the_server_answers(server):
    endpoint, status = server
    polls = []

    def gone() -> bool:
        polls.append(1)
        if len(polls) == 3:
            status["code"] = 200  # the model finished loading
        return False

    assert wait_healthy(endpoint, 10, gone, interval_s=0.01) is Health.healthy
    assert len(polls) == 3


def test_wait_stops_as_soon_as_the_server_is_gone(server):
    endpoint, _ = server
    assert wait_healthy(endpoint, 10, gone=lambda: True, interval_s=0.01) is Health.exited


def test_wait_times_out_on_a_server_that_never_gets_healthy(server):
    endpoint, _ = server
    assert wait_healthy(endpoint, 0.2, gone=lambda: False, interval_s=0.01) is Health.timed_out
