"""A private git repository over smart HTTP on loopback: ``git http-backend`` behind Basic auth that checks a token.

The clone step sends ``Authorization: Basic base64("x-access-token:<token>")`` (GitHub's form); anything else gets
401, so a passing clone proves the token was really looked up and sent. With ``cut_pack_after`` the server sends
that many bytes of each pack (``git-upload-pack`` answer) under the full Content-Length and drops the connection:
the network failing mid-clone.
"""

from __future__ import annotations

import base64
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

BACKEND = [subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout.strip() + "/git-http-backend"]


def _handler(root: Path, token: str, seen: list[str], cut_pack_after: int | None) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()

    class GitHandler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep the test output quiet
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            authorized = self.headers.get("Authorization") == expected
            seen.append(f"{self.command} {urlsplit(self.path).path} {'ok' if authorized else 'refused'}")
            if not authorized:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="private"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._cgi()

        def _cgi(self) -> None:
            parts = urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            env = {
                "GIT_PROJECT_ROOT": str(root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": parts.path,
                "QUERY_STRING": parts.query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "REMOTE_USER": "x-access-token",
                "REMOTE_ADDR": "127.0.0.1",
            }
            out = subprocess.run(BACKEND, input=body, env=env, capture_output=True, timeout=60).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            headers = [line.split(":", 1) for line in head.decode().split("\r\n") if ":" in line]
            status = next((int(v.split()[0]) for k, v in headers if k.lower() == "status"), 200)
            self.send_response(status)
            for key, value in headers:
                if key.lower() != "status":
                    self.send_header(key, value.strip())
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if cut_pack_after is not None and parts.path.endswith("/git-upload-pack"):
                self.wfile.write(payload[:cut_pack_after])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)  # the network goes away mid-transfer
                return
            self.wfile.write(payload)

    return GitHandler


@contextmanager
def private_git_server(root: Path, token: str, cut_pack_after: int | None = None) -> Iterator[tuple[str, list[str]]]:
    """Serve the bare repositories under ``root``; yields (base URL, log of requests with ok/refused)."""
    seen: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, token, seen, cut_pack_after))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def bare_copy(repo_dir: Path, served_root: Path, name: str) -> Path:
    """A bare clone of ``repo_dir`` at ``served_root/name`` (what a git host stores)."""
    target = served_root / name
    subprocess.run(["git", "clone", "--quiet", "--bare", str(repo_dir), str(target)], check=True, timeout=120)
    return target
