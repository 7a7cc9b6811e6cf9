"""A real `python -m model_runtime serve` process on a free port, over a tiny pickled probe model.

The probe's predict() answers ``y = 2x`` and ``n`` = rows in the call (so tests see how requests were batched);
a ``sleep`` column makes it slow and a ``boom`` column makes it raise.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from model_runtime import contract

ROOT = Path(__file__).resolve().parents[2]

PROBE_SOURCE = """
import time

class Probe:
    def predict(self, df):
        if "sleep" in df.columns:
            time.sleep(float(df["sleep"].max()))
        if "boom" in df.columns:
            raise ValueError("bad feature")
        return [{"y": x * 2, "n": len(df)} for x in df["x"]]
"""


def make_artifact(directory: Path) -> Path:
    """A build output (model.pkl + src/) holding a Probe instance, without running a build."""
    src = directory / contract.SOURCE_DIR
    src.mkdir(parents=True, exist_ok=True)
    (src / "serve_probe_model.py").write_text(PROBE_SOURCE)
    sys.path.insert(0, str(src))
    try:
        import serve_probe_model  # noqa: PLC0415 - written just above

        (directory / contract.ARTIFACT_FILE).write_bytes(pickle.dumps(serve_probe_model.Probe()))
    finally:
        sys.path.remove(str(src))
        sys.modules.pop("serve_probe_model", None)
    return directory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, timeout: float = 10) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def predict(self, records: list[dict], timeout: float = 10) -> tuple[int, object]:
        status, body = self.request("POST", "/predict", json.dumps(records).encode(), timeout)
        return status, json.loads(body)

    def metrics(self) -> str:
        return self.request("GET", "/metrics")[1].decode()

    def workers(self) -> list[int]:
        """Pids of the supervisor's worker processes (Linux /proc)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError):
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(stat.parent.name))
        return pids


def wait_healthy(server: RunningServer, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}:\n{server.log.read_text()}")
        with contextlib.suppress(OSError):
            if server.request("GET", "/health", timeout=1)[0] == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server not healthy within {timeout_s}s:\n{server.log.read_text()}")


@contextlib.contextmanager
def serving(artifact: Path, log: Path, **env: str) -> Iterator[RunningServer]:
    """Start the server (this interpreter, plugins/ on PYTHONPATH), wait for /health, stop it afterwards."""
    port = free_port()
    environ = dict(os.environ, PYTHONPATH=str(ROOT / "plugins"), **env)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            contract.serve_command(sys.executable, str(artifact), port, "127.0.0.1"),
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RunningServer(proc, port, log)
    try:
        wait_healthy(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
