"""Worker processes of the model server and the supervisor that keeps them alive.

The supervisor loads the model and opens the listening socket, then forks ``workers`` processes (copy-on-write
model), each running uvicorn on that one shared socket. Connections queue in the socket's backlog, so a worker
being replaced never costs a refused connection.

* A worker whose predict() passed the timeout stops accepting, finishes its other requests and exits with
  EXIT_RECYCLE (a Python thread cannot be killed); it is replaced at once.
* A worker that crashes is replaced after a back-off that doubles per crash in the last minute (0.1 s .. 10 s).
* Both are logged as one JSON line and counted in model_server_worker_restarts_total{reason}.
* SIGTERM/SIGINT: every worker stops accepting and drains its in-flight requests (up to drain_s), then exits.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from . import contract
from .serve_balance import RETIRED, Balance, peer, shared_counts
from .serve_config import ServerConfig

EXIT_RECYCLE = 75
CRASH_WINDOW_S = 60.0
MAX_BACKOFF_S = 10.0


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def uvicorn_server(app: Any, config: ServerConfig, each_second: Callable[[], Awaitable[None]] | None = None) -> Any:
    import uvicorn

    from .serve_deps import missing

    fast = not missing(("uvloop", "httptools"))
    return uvicorn.Server(
        uvicorn.Config(
            app,
            loop="uvloop" if fast else "asyncio",
            http="httptools" if fast else "h11",
            lifespan="off",
            access_log=False,  # serve_app writes its own structured line
            log_level="warning",
            timeout_keep_alive=config.keep_alive_s,
            timeout_graceful_shutdown=config.drain_s,
            server_header=False,
            callback_notify=each_second,  # uvicorn's heartbeat hook; timeout 0 calls it on every 1 s tick
            timeout_notify=0,
        )
    )


def serve_worker(sock: socket.socket, model: Any, config: ServerConfig, metrics: Any, balance: Any = None) -> int:
    """One worker: uvicorn on the shared socket until told to stop or recycled after a timeout."""
    from .adapters import model_io
    from .serve_app import ModelApp
    from .serve_predict import Predictor

    recycled: list[bool] = []
    server: Any = None

    def stuck() -> None:
        if not recycled:
            recycled.append(True)
            log_event("worker_recycling", reason="timeout")
            if balance is not None:
                balance.retire()  # the others stop shedding towards this worker
            for listener in getattr(server, "servers", []):
                listener.close()  # accept nothing more here: new connections go to the other or the new worker
            for connection in list(getattr(getattr(server, "server_state", None), "connections", ())):
                connection.shutdown()  # idle keep-alive ones close now, busy ones after their answer
            server.should_exit = True  # graceful: finish what is in flight, then exit

    predictor = Predictor(model, config.max_batch, config.timeout_ms / 1000, stuck, model_io(model))

    async def each_second() -> None:
        if balance is not None:
            balance.refresh()

    server = uvicorn_server(ModelApp(predictor, metrics, config.max_body_bytes, balance), config, each_second)
    if balance is not None:
        balance.live = lambda: {peer(c.client) for c in server.server_state.connections}
    server.run(sockets=[sock])
    return EXIT_RECYCLE if recycled else contract.EXIT_OK


def fork_worker(sock: socket.socket, model: Any, config: ServerConfig, metrics: Any, balance: Any = None) -> int:
    pid = os.fork()
    if pid == 0:  # child: serve, then leave without returning into the supervisor (or waiting on a stuck thread)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        code = 1
        try:
            code = serve_worker(sock, model, config, metrics, balance)
        except BaseException as exc:
            log_event("worker_error", error=f"{type(exc).__name__}: {exc}")
        finally:
            sys.stderr.flush()
            os._exit(code)
    return pid


def log_event(event: str, **fields: Any) -> None:
    sys.stderr.write(json.dumps({"event": event, "pid": os.getpid(), **fields}) + "\n")
    sys.stderr.flush()


class Supervisor:
    """Keeps ``config.workers`` workers alive; SIGTERM/SIGINT drain them all and exit."""

    def __init__(self, sock: socket.socket, model: Any, config: ServerConfig, metrics: Any) -> None:
        self.sock, self.model, self.config, self.metrics = sock, model, config, metrics
        self.pids: set[int] = set()
        self.slots: dict[int, int] = {}  # worker pid -> its index in the shared connection counts
        self.counts = shared_counts(config.workers)
        self.crashes: deque[float] = deque()
        self.stopping = False

    def stop(self, signum: int, _frame: Any) -> None:
        self.stopping = True
        for pid in list(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def backoff_s(self, now: float) -> float:
        while self.crashes and now - self.crashes[0] > CRASH_WINDOW_S:
            self.crashes.popleft()
        return min(MAX_BACKOFF_S, 0.1 * 2 ** max(0, len(self.crashes) - 1))

    def replace(self, pid: int, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        reason = "timeout" if code == EXIT_RECYCLE else "crash"
        delay = 0.0
        if reason == "crash":
            self.crashes.append(time.monotonic())
            delay = self.backoff_s(time.monotonic())
        log_event("worker_restart", worker=pid, exit_code=code, reason=reason, delay_s=delay)
        self.metrics.restarts.labels(reason).inc()
        slot = self.slots.pop(pid)
        self.counts[slot] = RETIRED  # nobody sheds towards an empty slot during the back-off
        deadline = time.monotonic() + delay
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, delay))
        if not self.stopping:
            self.start(slot)

    def start(self, slot: int) -> None:
        self.counts[slot] = 0  # the new worker has no connections yet: the others may shed some to it
        pid = fork_worker(self.sock, self.model, self.config, self.metrics, Balance(self.counts, slot))
        self.pids.add(pid)
        self.slots[pid] = slot

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for slot in range(self.config.workers):
            self.start(slot)
        while self.pids:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            self.pids.discard(pid)
            from .serve_metrics import worker_gone

            worker_gone(pid)
            if not self.stopping:
                self.replace(pid, status)
        return contract.EXIT_OK
