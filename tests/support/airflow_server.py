"""A running Airflow as the tests talk to it: its URL, a Bearer token for the REST API v2, and waiting helpers."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class AirflowServer:
    url: str
    token: str
    home: Path
    log: Path

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"{}")

    def text(self, path: str) -> str:
        """A plain-text endpoint (task logs with Accept: text/plain)."""
        req = urllib.request.Request(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}", "Accept": "text/plain"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read().decode(errors="replace")

    def wait_for(self, predicate, what: str, timeout_s: float = 90, poll_s: float = 1):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(poll_s)
        raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; log tail:\n{tail(self.log)}")


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def token(url: str, username: str, password: str) -> str | None:
    """A JWT from /auth/token, or None while the API server does not answer."""
    body = json.dumps({"username": username, "password": password}).encode()
    req = urllib.request.Request(f"{url}/auth/token", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())["access_token"]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
