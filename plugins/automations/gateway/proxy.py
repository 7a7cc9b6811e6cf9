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

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, DummyCookieJar, TCPConnector, web
from multidict import CIMultiDict, CIMultiDictProxy

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
AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
MAX_BODY = 64 * 1024 * 1024  # the model servers' own limit (MODEL_SERVER_MAX_BODY_BYTES, 8 MiB) is usually lower
ROUTES_PATH = "/_gateway/routes"
RETRIES = 4  # with the waits below, 0.75 s: more than a route refresh, less than any client's patience


def _forwarded(headers: CIMultiDictProxy[str]) -> CIMultiDict[str]:
    """The end-to-end headers, repeated ones (Set-Cookie) kept as they came."""
    out = headers.copy()
    for name in HOP_HEADERS:
        out.popall(name, None)
    return out


def _model_id(path: str) -> Optional[str]:
    """``m`` for ``/v1/m/predict`` (Qwak's per-model layout), else None."""
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "v1" and parts[2] and parts[3] == "predict":
        return parts[2]
    return None


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
        self.runner: Optional[web.ServerRunner] = None

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Every request on every port. aiohttp's low-level server, not an Application: three fixed routes need no
        router, and the Application's per-request machinery was a measurable share of the gateway's CPU."""
        path = request.path
        if path == ROUTES_PATH:
            return web.json_response(self.table.snapshot())
        model_id = _model_id(path)
        if model_id is not None:
            return await self.model_predict(request, model_id)
        return await self.variation(request)

    async def start(self) -> None:
        self.session = ClientSession(
            connector=TCPConnector(limit=0, keepalive_timeout=2),
            timeout=self.timeout,
            auto_decompress=False,  # bodies pass through as they are, compressed or not
            cookie_jar=DummyCookieJar(),  # a proxy keeps no cookies: one client's would go to the next
            skip_auto_headers=AUTO_HEADERS,  # the client's own headers only, not aiohttp's defaults
        )
        # Bodies never go through request.read() (see forward()); no access log: the model server writes one.
        self.runner = web.ServerRunner(web.Server(self.handle, access_log=None), handle_signals=False)
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

    async def variation(self, request: web.BaseRequest) -> web.StreamResponse:
        port = int(request.transport.get_extra_info("sockname")[1]) if request.transport else 0
        if port == models_port(self.table):
            return _error(404, "this port answers POST /v1/<model_id>/predict; each variation has its own port")

        def pick() -> Optional[Route]:
            return self.table.by_port.get(port)

        return await self.forward(request, pick, request.path_qs, f"nothing is deployed behind port {port} now")

    async def model_predict(self, request: web.BaseRequest, model_id: str) -> web.StreamResponse:
        return await self.forward(
            request, lambda: self.table.for_model(model_id, self.rng), "/predict", f"model {model_id!r} is not deployed"
        )

    async def forward(
        self, request: web.BaseRequest, pick: Callable[[], Optional[Route]], path: str, missing: str
    ) -> web.StreamResponse:
        declared = request.content_length
        if declared is not None and declared > self.max_body:
            return self._too_large()  # not read at all; aiohttp drops what the client still sends, then closes
        body = await Body.of(request.content, declared, self.max_body)
        headers = _forwarded(request.headers)
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

    async def _send(self, method: str, route: Route, path: str, headers: CIMultiDict, data: Any) -> web.Response:
        assert self.session is not None
        async with self.session.request(
            method, route.upstream + path, headers=headers, data=data, allow_redirects=False
        ) as upstream:  # a redirect is the client's to follow
            payload = await upstream.read()
            out = _forwarded(upstream.headers)
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
