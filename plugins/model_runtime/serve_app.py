"""The model server's ASGI application: routes, request limits, errors, metrics and the access log.

GET /health    200 {"status": "ok"} (the model is loaded before any worker accepts); answered on the event loop,
               never queued behind predict().
GET /metrics   Prometheus text format (serve_metrics).
POST /predict  records in (payload.parse_records), predictions out; 400 malformed JSON or records, 413 body over
               max_body_bytes, 504 past http_request_timeout_ms, 500 when predict() raises.
Memory: parsed records take many times their JSON size (a 9 MB body of small records is ~0.4 GB as dicts, frame
and answer), so a worker handles one body over LARGE_BODY_BYTES at a time (read, parsed, predicted, answered);
the others wait before reading theirs, which stays in the kernel's socket buffers. Small requests never wait.
After a large request the freed heap is handed back to the OS (glibc malloc_trim), so RSS comes down again.
Every request writes one JSON line to stderr: time, pid, method, path, status, ms, records.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from . import fast_json
from .payload import BadRequest
from .serve_balance import peer
from .serve_metrics import Metrics
from .serve_predict import Predictor, PredictTimeout

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


LARGE_BODY_BYTES = 1024 * 1024
HEALTHY = json.dumps({"status": "ok"}).encode()
DRAIN_BYTES, DRAIN_S = 64 * 1024 * 1024, 2.0  # most of a refused body read and dropped before the 413


class TooLarge(Exception):
    pass


@functools.cache
def _libc() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except OSError:
        return None


def _malloc_trim() -> None:
    """Give freed heap back to the OS (glibc only; elsewhere a no-op)."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


class Reply:
    """One response: status, JSON (or raw) body, and the record count for the log and metrics."""

    def __init__(self, status: int, payload: Any = None, body: bytes | None = None, content_type: str = "") -> None:
        self.status = status
        self.body = body if body is not None else fast_json.dumps(payload)
        self.content_type = content_type or "application/json"
        self.records: int | None = None


class ModelApp:
    def __init__(self, predictor: Predictor, metrics: Metrics, max_body_bytes: int, balance: Any = None) -> None:
        self.predictor, self.metrics, self.max_body_bytes = predictor, metrics, max_body_bytes
        self.balance = balance  # serve_balance.Balance: when to close a connection to even out the workers
        self.large = asyncio.Lock()  # one large body per worker at a time: see the module docstring

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        reply = await self.route(scope, receive)
        await _send(send, reply, close=self.balance is not None and self.balance.shed(peer(scope.get("client"))))
        seconds = time.perf_counter() - started
        self.metrics.observe(scope["path"], reply.status, seconds, reply.records)
        access_log(scope, reply, seconds)

    async def route(self, scope: Scope, receive: Receive) -> Reply:
        method, path = scope["method"], scope["path"]
        if path == "/predict" and method == "POST":
            self.metrics.in_flight.inc()
            try:
                return await self.predict(scope, receive)
            finally:
                self.metrics.in_flight.dec()
        if path == "/health" and method in ("GET", "HEAD"):
            return Reply(200, body=HEALTHY)
        if path == "/metrics" and method == "GET":
            body, content_type = self.metrics.exposition()
            return Reply(200, body=body, content_type=content_type)
        known = path in ("/predict", "/health", "/metrics")
        return Reply(405 if known else 404, {"error": f"no route {method} {path}"})

    async def predict(self, scope: Scope, receive: Receive) -> Reply:
        declared = content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            return await self.too_large(receive, declared)
        if declared is not None and declared <= LARGE_BODY_BYTES:
            return await self.predict_body(scope, receive)
        async with self.large:  # large, or chunked of unknown size
            try:
                return await self.predict_body(scope, receive)
            finally:
                _malloc_trim()

    async def too_large(self, receive: Receive, declared: int | None = None) -> Reply:
        # Read and drop what the client is still sending (bounded), so that a client which writes its whole body
        # before reading (http.client, requests) reads this 413 instead of a connection reset. A body declared
        # larger than the drain bound is not read at all.
        if declared is None or declared <= DRAIN_BYTES:
            await discard_body(receive, DRAIN_BYTES, DRAIN_S)
        return Reply(413, {"error": f"request body is larger than {self.max_body_bytes} bytes"})

    async def predict_body(self, scope: Scope, receive: Receive) -> Reply:
        try:
            records = self.predictor.io.read(await read_body(receive, self.max_body_bytes))
        except TooLarge:
            return await self.too_large(receive)
        except BadRequest as exc:
            return Reply(400, {"error": str(exc)})
        try:
            reply = Reply(200, await self.predictor.predict(records))
        except PredictTimeout as exc:
            reply = Reply(504, {"error": str(exc)})
        except Exception as exc:
            reply = Reply(500, {"error": f"predict failed: {type(exc).__name__}: {exc}"})
        reply.records = len(records)
        return reply


def content_length(scope: Scope) -> int | None:
    """The declared body size; None when there is none (chunked) or it is not a number (the parser refuses those)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body, refusing (TooLarge) as soon as the received size passes ``limit``."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def discard_body(receive: Receive, max_bytes: int, max_s: float) -> None:
    """Read and drop the rest of the body, up to ``max_bytes`` or ``max_s`` (the 413 closes the connection)."""
    loop = asyncio.get_running_loop()
    deadline, size = loop.time() + max_s, 0
    while size < max_bytes:
        try:
            message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
        except TimeoutError:
            return
        size += len(message.get("body", b""))
        if message["type"] == "http.disconnect" or not message.get("more_body"):
            return


async def _send(send: Send, reply: Reply, close: bool = False) -> None:
    headers = [(b"content-type", reply.content_type.encode()), (b"content-length", str(len(reply.body)).encode())]
    if reply.status == 413 or close:
        headers.append((b"connection", b"close"))  # the unread rest of the body must not be parsed as a request
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def access_log(scope: Scope, reply: Reply, seconds: float) -> None:
    # orjson (fast_json) writes the line in a fifth of json's time; stderr is line-buffered, so no flush() either.
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "pid": os.getpid(),
        "method": scope["method"],
        "path": scope["path"],
        "status": reply.status,
        "ms": round(seconds * 1000, 2),
        "records": reply.records,
        "client": (scope.get("client") or [None])[0],
    }
    sys.stderr.write(fast_json.dumps(line).decode() + "\n")
