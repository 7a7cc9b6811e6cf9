"""Request bodies through the real gateway (aiohttp, on loopback) to a real upstream: bounded memory and a clear 413.

The upstream counts and hashes what reaches it. Memory is the gateway's and the upstream's Python allocations
(tracemalloc's peak) while a body far larger than that peak goes through or is refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import tracemalloc

import pytest
from aiohttp import ClientSession, web

from automations.gateway.body import BUFFER_BYTES
from automations.gateway.proxy import Gateway
from automations.gateway.routes import Route, Table

pytestmark = pytest.mark.unit

MIB = 1024 * 1024
CHUNK = b"x" * (64 * 1024)  # one object sent again and again: the client itself allocates nothing per chunk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Upstream:
    """An aiohttp server that reads each body as a stream and answers its size and sha256."""

    def __init__(self) -> None:
        self.received: list[int] = []  # bytes read per request, also for requests cut off midway

    async def predict(self, request: web.Request) -> web.Response:
        digest, size = hashlib.sha256(), 0
        try:
            async for chunk in request.content.iter_any():
                digest.update(chunk)
                size += len(chunk)
        finally:
            self.received.append(size)
        return web.json_response({"bytes": size, "sha256": digest.hexdigest()})

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/predict", self.predict)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}"


async def with_gateway(max_body: int, scenario):
    upstream = Upstream()
    url = await upstream.start()
    port = free_port()
    route = Route("a/default", "a", "default", "m", url, "b1", 100)
    table = Table(by_port={port: route}, by_model={"m": (route,)}, ports={"a/default": port})
    gateway = Gateway("127.0.0.1", lambda: table, max_body_bytes=max_body)
    await gateway.start()
    try:
        async with ClientSession() as client:
            return await scenario(client, f"http://127.0.0.1:{port}/predict", upstream)
    finally:
        await gateway.close()
        await upstream.runner.cleanup()


async def chunks(total: int):
    sent = 0
    while sent < total:
        yield CHUNK
        sent += len(CHUNK)


def test_small_and_large_bodies_arrive_whole():
    small = json.dumps([{"x": i} for i in range(100)]).encode()
    large = b"y" * (3 * BUFFER_BYTES + 17)

    async def scenario(client, url, upstream):
        answers = []
        for data in (small, large):
            async with client.post(url, data=data) as response:
                answers.append((response.status, await response.json(), response.headers["X-Automation-Build"]))
        return answers

    answers = asyncio.run(with_gateway(64 * MIB, scenario))
    assert answers == [
        (200, {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}, "b1") for body in (small, large)
    ]


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read():
    async def scenario(client, url, upstream):
        reader, writer = await asyncio.open_connection("127.0.0.1", int(url.split(":")[2].split("/")[0]))
        writer.write(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 10737418240\r\n\r\n" + CHUNK)
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        rest = await asyncio.wait_for(reader.read(1000), 10)
        writer.close()
        await writer.wait_closed()  # else the gateway keeps reading what it would drop until it stops
        return head, rest, upstream.received

    head, rest, received = asyncio.run(with_gateway(8 * MIB, scenario))
    assert head.startswith(b"HTTP/1.1 413")
    assert b"Connection: close" in head
    assert json.loads(rest)["error"] == f"request body is larger than the gateway's {8 * MIB} bytes"
    assert received == []  # nothing was forwarded


async def post_measuring_memory(client, url, data):
    """(status, JSON answer, peak bytes this process allocated while the body went through the gateway)."""
    tracemalloc.start()
    try:
        async with client.post(url, data=data) as response:
            status, answer = response.status, await response.json()
        return status, answer, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_chunked_body_over_the_limit_is_cut_off_with_413_in_bounded_memory():
    async def scenario(client, url, upstream):
        status, answer, peak = await post_measuring_memory(client, url, chunks(100 * MIB))
        await asyncio.sleep(0.1)  # the upstream's handler ends once its cut-off request is gone
        return status, answer, peak, upstream.received

    status, answer, peak, received = asyncio.run(with_gateway(16 * MIB, scenario))
    assert status == 413 and "16777216 bytes" in answer["error"]
    assert peak < 8 * MIB  # 100 MiB offered, 16 MiB let through: neither was held
    assert len(received) == 1 and received[0] <= 16 * MIB


def test_a_large_body_under_the_limit_is_streamed_not_held():
    async def scenario(client, url, upstream):
        return await post_measuring_memory(client, url, chunks(48 * MIB))

    status, answer, peak = asyncio.run(with_gateway(64 * MIB, scenario))
    assert status == 200 and answer["bytes"] == 48 * MIB
    assert peak < 8 * MIB  # the whole body was 48 MiB; before, the gateway held all of it
