"""Listening sockets handed from a (forked, real) serving process to its keeper outlive that process."""

from __future__ import annotations

import os
import socket

import pytest

from automations.gateway import listeners

pytestmark = pytest.mark.unit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_and_die(view: listeners.Listeners, port: int) -> None:
    """A child process that opens the port's socket through ``view`` and exits without accepting anything."""
    pid = os.fork()
    if pid == 0:
        try:
            view.socket("127.0.0.1", port)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def test_a_socket_handed_to_the_keeper_still_queues_connections_after_its_process_died():
    keeper_end, serving_end = listeners.channel()
    kept: dict[int, socket.socket] = {}
    port = free_port()
    serve_and_die(listeners.Listeners(kept, serving_end), port)
    listeners.collect(keeper_end, kept)
    assert list(kept) == [port]
    client = socket.create_connection(("127.0.0.1", port), timeout=5)  # nobody accepts: the backlog holds it
    client.sendall(b"GET /health HTTP/1.1\r\n\r\n")
    successor = listeners.Listeners(kept, serving_end)  # what the next serving process is forked with
    sock = successor.socket("127.0.0.1", port)
    assert sock is kept[port] and port not in successor.inherited
    sock.setblocking(True)
    accepted, _ = sock.accept()
    assert accepted.recv(100) == b"GET /health HTTP/1.1\r\n\r\n"
    for s in (accepted, client, sock, keeper_end, serving_end):
        s.close()


def test_without_a_keeper_the_port_refuses_once_its_process_died():
    port = free_port()
    serve_and_die(listeners.Listeners(), port)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def test_collect_returns_at_once_when_nothing_was_handed_over():
    keeper_end, serving_end = listeners.channel()
    kept: dict[int, socket.socket] = {}
    listeners.collect(keeper_end, kept)
    assert kept == {}
    keeper_end.close()
    serving_end.close()
