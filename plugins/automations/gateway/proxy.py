"""The gateway's HTTP side (aiohttp): a listener per stable port, forwarding to the current upstream.

A request that cannot reach its upstream because the connection failed or was closed before an answer (a server
being swapped out closes its idle keep-alive connections) is sent again to the then-current route: the old server
only stops after the gateway routes to the new one, so the retry lands on the new one. Bodies are held or passed
on within a bounded size (body.py): over ``max_body_bytes`` is a 413.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable
from typing import Any, Optional

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, TCPConnector, web

from .body import Body, BodyTooLarge
from .listeners import BACKLOG, Listeners
from .routes import Route, Table, listen_ports, models_port

log = logging.getLogger("automations.gateway")

HOP_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "proxy-connection",
    "host",
    "content-length",
}
MAX_BODY = 64 * 1024 * 1024  # the model servers' own limit (MODEL_SERVER_MAX_BODY_BYTES, 8 MiB) is usually lower
RETRIES = 4  # with the waits below, 0.75 s: more than a route refresh, less than any client's patience


def _error(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=json.dumps({"error": message}), content_type="application/json")


class Gateway:
    def __init__(
        self,
        host: str,
        load_table: Callable[[], Table],
        request_timeout_s: float = 300,
        max_body_bytes: int = MAX_BODY,
        listeners: Optional[Listeners] = None,
    ) -> None:
        self.host, self.load_table, self.max_body = host, load_table, max_body_bytes
        self.listeners = listeners or Listeners()  # the keeper's (keeper.py), or sockets of our own
        self.table = load_table()
        self.rng = random.Random()
        self.sites: dict[int, web.BaseSite] = {}
        self.timeout = ClientTimeout(total=request_timeout_s)
        self.session: Optional[ClientSession] = None
        self.runner: Optional[web.AppRunner] = None

    def app(self) -> web.Application:
        app = web.Application()  # bodies never go through request.read(): see forward()
        app.router.add_get("/_gateway/routes", self.routes)
        app.router.add_route("*", "/v1/{model_id}/predict", self.model_predict)
        app.router.add_route("*", "/{tail:.*}", self.variation)
        return app

    async def start(self) -> None:
        self.session = ClientSession(connector=TCPConnector(limit=0, keepalive_timeout=2), auto_decompress=False)
        self.runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self.runner.setup()
        await self.refresh()

    async def refresh(self) -> None:
        """Reload the table from the records and listen on any newly assigned port."""
        self.table = self.load_table()
        assert self.runner is not None
        for port in listen_ports(self.table):
            if port not in self.sites:
                site = web.SockSite(self.runner, self.listeners.socket(self.host, port), backlog=BACKLOG)
                await site.start()
                self.sites[port] = site
                log.info("gateway: listening on %s:%d", self.host, port)

    async def routes(self, request: web.Request) -> web.Response:
        return web.json_response(self.table.snapshot())

    async def variation(self, request: web.Request) -> web.StreamResponse:
        port = int(request.transport.get_extra_info("sockname")[1]) if request.transport else 0
        if port == models_port(self.table):
            return _error(404, "this port answers POST /v1/<model_id>/predict; each variation has its own port")

        def pick() -> Optional[Route]:
            return self.table.by_port.get(port)

        return await self.forward(request, pick, request.path_qs, f"nothing is deployed behind port {port} now")

    async def model_predict(self, request: web.Request) -> web.StreamResponse:
        model_id = request.match_info["model_id"]
        return await self.forward(
            request, lambda: self.table.for_model(model_id, self.rng), "/predict", f"model {model_id!r} is not deployed"
        )

    async def forward(
        self, request: web.Request, pick: Callable[[], Optional[Route]], path: str, missing: str
    ) -> web.StreamResponse:
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            return self._too_large()  # not read at all; aiohttp drops what the client still sends, then closes
        body = await Body.of(request.content, declared, self.max_body)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        if declared is not None and body.held is None:
            headers["Content-Length"] = str(declared)  # streamed with its length, not re-chunked
        problem = ""
        for attempt in range(RETRIES):
            route = pick()
            if route is None:
                return _error(503, missing)
            try:
                return await self._send(request.method, route, path, headers, body.data())
            except (TimeoutError, ClientConnectionError) as exc:
                if body.too_large:
                    return self._too_large()
                problem = f"{type(exc).__name__}: {exc}"
                if not body.retryable():  # part of a streamed body is gone: it cannot be sent again
                    break
                await asyncio.sleep(0.05 * 2**attempt)  # a swap in progress settles within a refresh (0.2 s)
            except BodyTooLarge:
                return self._too_large()
        return _error(502, f"the model server did not answer: {problem}")

    def _too_large(self) -> web.Response:
        response = _error(413, f"request body is larger than the gateway's {self.max_body} bytes")
        response.force_close()  # the unread rest of the body must not be parsed as a request
        return response

    async def _send(self, method: str, route: Route, path: str, headers: dict, data: Any) -> web.Response:
        assert self.session is not None
        async with self.session.request(
            method, route.upstream + path, headers=headers, data=data, timeout=self.timeout
        ) as upstream:
            payload = await upstream.read()
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS}
            out["X-Automation-Variation"] = route.variation
            out["X-Automation-Build"] = route.build_id
            return web.Response(status=upstream.status, body=payload, headers=out)

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.session is not None:
            await self.session.close()


async def serve(gateway: Gateway, tick: Callable[[], Any], refresh_s: float = 0.2) -> None:
    """Run until cancelled: refresh routes every ``refresh_s`` and call ``tick`` (the supervisor) each second."""
    await gateway.start()
    loop = asyncio.get_running_loop()
    last_tick = 0.0
    try:
        while True:
            await asyncio.sleep(refresh_s)
            try:
                await gateway.refresh()
            except Exception:
                log.exception("gateway: refreshing the routes failed")
            if loop.time() - last_tick >= 1.0:
                last_tick = loop.time()
                loop.run_in_executor(None, tick)
    finally:
        await gateway.close()
