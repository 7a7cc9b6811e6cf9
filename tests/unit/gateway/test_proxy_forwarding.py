"""What the real gateway (aiohttp's low-level server on uvloop's loop, on loopback) passes on, to and from a real
upstream: the client's headers and no others, repeated headers, redirects and cookies left to the client, and the
three routes (a variation's port, /v1/<model_id>/predict, /_gateway/routes)."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import uvloop
from aiohttp import ClientSession, web

from automations.gateway.__main__ import loop_factory
from automations.gateway.proxy import Gateway
from automations.gateway.routes import Route, Table

pytestmark = pytest.mark.unit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Upstream:
    """Answers /echo with the request's headers, /redirect with a 302 and two Set-Cookie headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, list[str]]] = []

    async def echo(self, request: web.Request) -> web.Response:
        headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        self.seen.append(headers)
        return web.json_response({"path": request.path_qs, "body": (await request.read()).decode()})

    async def redirect(self, request: web.Request) -> web.Response:
        response = web.Response(status=302, headers={"Location": "/echo"})
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        return response

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/echo", self.echo)
        app.router.add_route("*", "/predict", self.echo)
        app.router.add_get("/redirect", self.redirect)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}"


async def with_gateway(scenario):
    upstream = Upstream()
    url = await upstream.start()
    port, models = free_port(), free_port()
    route = Route("a--default", "a", "default", "m", url, "b1", 100)
    table = Table(by_port={port: route}, by_model={"m": (route,)}, ports={"a--default": port, "__models__": models})
    gateway = Gateway("127.0.0.1", lambda: table)
    await gateway.start()
    try:
        # The test client sends none of aiohttp's defaults either: whatever arrives came from the gateway.
        async with ClientSession(
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
        ) as client:
            return await scenario(client, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{models}", upstream)
    finally:
        await gateway.close()
        await upstream.runner.cleanup()


def run(scenario):
    with asyncio.Runner(loop_factory=loop_factory()) as runner:  # the loop the gateway runs on
        return runner.run(with_gateway(scenario))


def test_the_gateway_runs_on_uvloop_when_it_imports():
    assert loop_factory() is uvloop.new_event_loop


def test_only_the_clients_end_to_end_headers_reach_the_upstream():
    async def scenario(client, url, models, upstream):
        headers = [("X-Trace", "1"), ("X-Trace", "2"), ("Connection", "keep-alive")]
        async with client.post(f"{url}/echo?q=1", data=b"{}", headers=headers) as response:
            return response.status, await response.json(), response.headers, upstream.seen[0]

    status, answer, headers, seen = run(scenario)
    assert status == 200 and answer == {"path": "/echo?q=1", "body": "{}"}
    assert seen["x-trace"] == ["1", "2"]  # repeated headers arrive as sent, in order
    for added in (
        "user-agent",
        "accept",
        "accept-encoding",
        "content-type",
        "connection",
    ):  # none of aiohttp's defaults, no hop headers
        assert added not in seen, added
    assert (headers["X-Automation-Variation"], headers["X-Automation-Build"]) == ("default", "b1")


def test_redirects_and_cookies_are_the_clients():
    async def scenario(client, url, models, upstream):
        async with client.get(f"{url}/redirect", allow_redirects=False) as response:
            cookies = response.headers.getall("Set-Cookie")
            status, location = response.status, response.headers["Location"]
        async with client.post(f"{url}/echo", data=b"x", headers={"Cookie": "mine=1"}) as response:
            await response.read()
        return status, location, cookies, upstream.seen

    status, location, cookies, seen = run(scenario)
    assert (status, location) == (302, "/echo")  # passed back, not followed by the gateway
    assert cookies == ["a=1; Path=/", "b=2; Path=/"]
    assert len(seen) == 1 and seen[0]["cookie"] == ["mine=1"]  # the gateway kept none of the upstream's cookies


def test_the_models_port_routes_by_model_and_answers_its_table():
    async def scenario(client, url, models, upstream):
        answers = []
        for method, path in (
            ("POST", "/v1/m/predict"),
            ("POST", "/v1/other/predict"),
            ("POST", "/predict"),
            ("GET", "/_gateway/routes"),
        ):
            async with client.request(method, models + path, data=b"[]" if method == "POST" else None) as response:
                answers.append((response.status, await response.json()))
        return answers

    routed, missing, wrong_port, table = run(scenario)
    assert routed == (200, {"path": "/predict", "body": "[]"})
    assert missing == (503, {"error": "model 'other' is not deployed"})
    assert wrong_port[0] == 404 and "/v1/<model_id>/predict" in wrong_port[1]["error"]
    assert table[0] == 200 and table[1]["routes"]["a--default"]["upstream"].startswith("http://127.0.0.1:")
    assert json.dumps(table[1])  # plain JSON, as deploys read it
