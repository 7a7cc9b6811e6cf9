"""Stable ports: one per automation variation (and one for the per-model routes), assigned once and kept.

Probed free at first assignment (the kernel picks it), then recorded in ``<deployments_dir>/ports.json`` under a
lock, so the URL survives redeploys, Airflow restarts and undeploy + deploy, and never collides with a port
another test session or program got the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

MODELS_KEY = "__models__"  # the port of /v1/<model_id>/predict


def _path(directory: Path) -> Path:
    return directory / "ports.json"


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".ports.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read(directory: Path) -> dict[str, int]:
    try:
        data = json.loads(_path(directory).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def probe(host: str) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def assign(directory: Path, key: str, host: str) -> int:
    """The port of ``key``: the recorded one, or a newly probed free one that is recorded from now on."""
    with _locked(directory):
        ports = read(directory)
        if key not in ports:
            taken = set(ports.values())
            port = probe(host)
            while port in taken:
                port = probe(host)
            ports[key] = port
            tmp = _path(directory).with_suffix(".tmp")
            tmp.write_text(json.dumps(ports, indent=2, sort_keys=True))
            os.replace(tmp, _path(directory))
        return ports[key]
