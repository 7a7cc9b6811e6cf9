"""The gateway's listening sockets, kept by the keeper so that they outlive the serving process.

The serving process opens a stable port's socket the first time the port is assigned, and hands a duplicate to
the keeper over a Unix datagram socket (SCM_RIGHTS). When the serving process dies, the socket still listens
through the keeper's copy (or, until the keeper reads it, the copy in flight): the kernel completes clients'
connections and queues them in its backlog, and the next serving process, forked with the keeper's sockets,
accepts them. So a restart refuses no connection; only the dead process's in-flight requests are lost.
"""

from __future__ import annotations

import socket
from typing import Optional

from model_runtime.serve_workers import listening_socket as _bound_and_listening

BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    """The model server's listening socket (bound, SO_REUSEADDR), non-blocking for the gateway's event loop."""
    sock = _bound_and_listening(host, port, BACKLOG)
    sock.setblocking(False)
    return sock


class Listeners:
    """One serving process's view: the sockets it inherited, and the channel to hand new ones to its keeper."""

    def __init__(
        self, inherited: Optional[dict[int, socket.socket]] = None, channel: Optional[socket.socket] = None
    ) -> None:
        self.inherited = dict(inherited or {})
        self.channel = channel

    def socket(self, host: str, port: int) -> socket.socket:
        """The port's listening socket: the one a previous serving process opened, else a new one (handed over)."""
        sock = self.inherited.pop(port, None)
        if sock is not None:
            return sock
        sock = listening_socket(host, port)
        if self.channel is not None:
            socket.send_fds(self.channel, [str(port).encode()], [sock.fileno()])
        return sock


def channel() -> tuple[socket.socket, socket.socket]:
    """(keeper's end, serving process's end) of the hand-over channel."""
    keeper_end, serving_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    keeper_end.setblocking(False)
    return keeper_end, serving_end


def collect(keeper_end: socket.socket, kept: dict[int, socket.socket]) -> None:
    """Move every socket handed over so far into ``kept`` (port -> socket); returns when none is waiting."""
    while True:
        try:
            data, fds, _flags, _addr = socket.recv_fds(keeper_end, 64, 1)
        except BlockingIOError:
            return
        for fd in fds:
            kept[int(data)] = socket.socket(fileno=fd)
