"""Send one HTTP request with a bounded timeout and one retry; report the outcome, never raise.

The standard library's urllib is used on purpose: it logs nothing itself (requests/urllib3 log URLs at DEBUG),
and its error texts ("HTTP Error 500", "[Errno 111] Connection refused", "timed out") carry no URL. Any text
we report is still scrubbed of the URL, in case a driver ever puts it there.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit, urlunsplit

RETRY_PAUSE_S = 1.0
ATTEMPTS = 2  # the first try and one retry


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)  # query parameters (GET) or the JSON body


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    status: Optional[int]
    error: str
    elapsed_s: float


def _with_query(url: str, fields: Mapping[str, Any]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({k: _text(v) for k, v in fields.items()})) if q)
    return urlunsplit(parts._replace(query=query))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def to_urllib(request: HttpRequest) -> urllib.request.Request:
    """GET (and HEAD, which has no body) send the fields as query parameters; other methods send a JSON body."""
    headers = {"User-Agent": "airflow-automations", **request.headers}
    if request.method in ("GET", "HEAD"):
        return urllib.request.Request(_with_query(request.url, request.fields), headers=headers, method=request.method)
    headers.setdefault("Content-Type", "application/json")
    body = json.dumps(dict(request.fields), default=str).encode()
    return urllib.request.Request(request.url, data=body, headers=headers, method=request.method)


def _attempt(request: HttpRequest, timeout_s: float) -> tuple[Optional[int], str]:
    try:
        with urllib.request.urlopen(to_urllib(request), timeout=timeout_s) as response:  # noqa: S310 - http(s) only
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"


def scrub(text: str, url: str) -> str:
    for secret in sorted({url, url.split("?")[0]}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<url hidden>")
    return text


def send(request: HttpRequest, timeout_s: float, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    if urlsplit(request.url).scheme not in ("http", "https"):
        return Delivery(False, 0, None, "the URL is not http(s)", 0.0)
    started = time.monotonic()
    status, error = None, ""
    for attempt in range(1, ATTEMPTS + 1):
        status, error = _attempt(request, timeout_s)
        if status is not None and 200 <= status < 300:
            return Delivery(True, attempt, status, "", time.monotonic() - started)
        if attempt < ATTEMPTS:
            sleep(RETRY_PAUSE_S)
    return Delivery(False, ATTEMPTS, status, scrub(error, request.url), time.monotonic() - started)
