"""`serve`: the model server. GET /health, POST /predict; pre-forked worker processes on one listening socket.

Semantics of the ENV_* knobs (DeploymentSpecifications):
  * ENV_WORKERS (number_of_http_server_workers): that many worker processes, forked after the model is loaded
    (copy-on-write), each serving one request at a time, all accepting on the same socket.
  * ENV_TIMEOUT_MS (http_request_timeout_ms): a /predict that takes longer is answered 504; its worker then
    exits (a Python thread cannot be killed) and the supervisor forks a fresh one.
  * ENV_MAX_BATCH (max_batch_size): the most records passed to one predict() call. Requests are not merged;
    a request with more records is split into consecutive batches whose predictions are concatenated.
  * ENV_DAEMON_MODE is accepted and ignored: locally the server is always a detached process.
/health answers 200 only once the model is loaded: the socket is opened after loading.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Optional

from . import contract
from .discovery import add_to_path, wire_model_libraries
from .payload import BadRequest, as_list, chunks, parse_records, to_frame


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int
    workers: int = 2
    timeout_ms: int = 5000
    max_batch: int = 1


def config_from_env(host: str, port: int, environ: Optional[Mapping[str, str]] = None) -> ServerConfig:
    env: Mapping[str, str] = os.environ if environ is None else environ

    def number(name: str, default: int) -> int:
        return max(1, int(env.get(name) or default))

    return ServerConfig(
        host=host,
        port=port,
        workers=number(contract.ENV_WORKERS, 2),
        timeout_ms=number(contract.ENV_TIMEOUT_MS, 5000),
        max_batch=number(contract.ENV_MAX_BATCH, 1),
    )


def load_artifact(artifact: Path) -> Any:
    """Unpickle the model (its source copy on sys.path) and run initialize_model() when it has one."""
    add_to_path(artifact / contract.SOURCE_DIR)
    wire_model_libraries()
    with (artifact / contract.ARTIFACT_FILE).open("rb") as fh:
        model = pickle.load(fh)
    if callable(getattr(model, "initialize_model", None)):
        model.initialize_model()
    return model


def predict_records(model: Any, records: list[dict], max_batch: int) -> list:
    predictions: list = []
    for batch in chunks(records, max_batch):
        predictions.extend(as_list(model.predict(to_frame(batch))))
    return predictions


def call_with_timeout(func: Callable[[], Any], timeout_s: float) -> tuple[bool, Any, Optional[BaseException]]:
    """(finished, result, error): runs ``func`` in a daemon thread and stops waiting after ``timeout_s``."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = func()
        except BaseException as exc:  # reported to the caller as a 500, with the message
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        return False, None, None
    return True, box.get("result"), box.get("error")


class ModelServer(HTTPServer):
    model: Any = None
    config: ServerConfig
    recycle = False  # set when a request timed out: the worker exits after answering, the supervisor re-forks


class Handler(BaseHTTPRequestHandler):
    server: ModelServer
    records = 0

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/health":
            self.reply(200, {"status": "ok"})
        else:
            self.reply(404, {"error": f"no route GET {self.path}"})

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/predict":
            self.reply(404, {"error": f"no route POST {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            records = parse_records(self.rfile.read(length))
        except (BadRequest, ValueError) as exc:
            self.reply(400, {"error": str(exc)})
            return
        self.records = len(records)
        config = self.server.config
        done, result, error = call_with_timeout(
            lambda: predict_records(self.server.model, records, config.max_batch), config.timeout_ms / 1000
        )
        if not done:
            self.server.recycle = True
            self.reply(504, {"error": f"prediction took longer than {config.timeout_ms} ms"})
        elif error is not None:
            self.reply(500, {"error": f"predict failed: {type(error).__name__}: {error}"})
        else:
            self.reply(200, result)

    def reply(self, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.status = status

    def handle_one_request(self) -> None:
        started, self.status = time.monotonic(), 0
        super().handle_one_request()
        if self.command:  # one line per request: what, how it ended, how long, how many records
            ms = (time.monotonic() - started) * 1000
            print(
                f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid={os.getpid()} {self.command} {self.path} "
                f"{self.status} {ms:.1f}ms records={self.records}",
                file=sys.stderr,
                flush=True,
            )

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # replaced by the one line above; errors become JSON replies


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def worker_loop(sock: socket.socket, model: Any, config: ServerConfig) -> None:
    server = ModelServer((config.host, config.port), Handler, bind_and_activate=False)
    server.socket, server.model, server.config = sock, model, config
    while not server.recycle:
        server.handle_request()
    print(f"model_runtime serve: worker {os.getpid()} recycled after a timeout", file=sys.stderr, flush=True)


def fork_worker(sock: socket.socket, model: Any, config: ServerConfig) -> int:
    pid = os.fork()
    if pid == 0:  # child: serve until recycled or killed, never return into the supervisor's code
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        code = 0
        try:
            worker_loop(sock, model, config)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


class Supervisor:
    """Keeps ``config.workers`` workers alive; SIGTERM/SIGINT stop them all and exit."""

    def __init__(self, sock: socket.socket, model: Any, config: ServerConfig) -> None:
        self.sock, self.model, self.config = sock, model, config
        self.pids: set[int] = set()
        self.stopping = False

    def stop(self, signum: int, _frame: Any) -> None:
        self.stopping = True
        for pid in list(self.pids):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for _ in range(self.config.workers):
            self.pids.add(fork_worker(self.sock, self.model, self.config))
        while self.pids:
            try:
                pid, _status = os.wait()
            except ChildProcessError:
                break
            self.pids.discard(pid)
            if not self.stopping:
                time.sleep(0.1)  # a worker that crashes at once must not turn this into a fork bomb
                self.pids.add(fork_worker(self.sock, self.model, self.config))
        return contract.EXIT_OK


def run(artifact: Path, host: str, port: int) -> int:
    config = config_from_env(host, port)
    try:
        model = load_artifact(artifact)
    except Exception as exc:
        import traceback

        traceback.print_exc()
        print(f"model_runtime serve: could not load the model from {artifact}: {exc!r}", flush=True)
        return contract.EXIT_SERVE_FAILED
    sock = listening_socket(host, port)
    print(
        f"model_runtime serve: {type(model).__qualname__} on http://{host}:{sock.getsockname()[1]} "
        f"workers={config.workers} timeout_ms={config.timeout_ms} max_batch={config.max_batch}",
        flush=True,
    )
    return Supervisor(sock, model, config).run()
