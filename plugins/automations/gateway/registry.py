"""Which server (a local process or a Docker container) serves which automation+variation behind the gateway:
one JSON file each in ``settings.deployments_dir``. Both deploying backends write it; the gateway routes by it.

Files are written atomically (write + rename), so a reader never sees half a record.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from ..backends.local.process import cmdline, is_alive, stop_group
from ..ids import safe_path_part

SERVE_MARKER = "model_runtime serve"


@dataclass(frozen=True)
class Deployment:
    automation: str
    variation: str
    build_id: str
    endpoint: str
    pid: int
    port: int
    host: str
    artifact: str
    log_file: str
    started_at: str
    # Since the local gateway: ``endpoint`` is the stable URL, ``upstream`` where this server answers privately.
    upstream: str = ""
    model_id: str = ""
    weight: int = 100  # deployment_spec.traffic_weight: its share of /v1/<model_id>/predict
    backend: str = "local"  # "docker": ``container`` serves it and the engine restarts it
    container: str = ""
    restarts: int = 0  # by the gateway's supervisor after a crash

    def alive(self) -> bool:
        """Running, and still our server: a recycled pid belongs to somebody else."""
        if self.backend != "local":
            return True  # a container: the engine knows, not /proc
        return is_alive(self.pid) and self.owns_pid()

    def owns_pid(self) -> bool:
        line = cmdline(self.pid)
        if line is None:
            return True  # the OS will not show its command line: existing is all we can know
        return SERVE_MARKER in line and self.artifact in line


def key(automation: str, variation: str) -> str:
    return f"{safe_path_part(automation)}--{safe_path_part(variation)}"


def record_path(directory: Path, automation: str, variation: str) -> Path:
    return directory / f"{key(automation, variation)}.json"


def read(directory: Path, automation: str, variation: str) -> Optional[Deployment]:
    path = record_path(directory, automation, variation)
    return _load(path) if path.is_file() else None


def _load(path: Path) -> Optional[Deployment]:
    try:
        return Deployment(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None  # a foreign or damaged file is not a deployment; never guess a pid from it


def write(directory: Path, deployment: Deployment) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = record_path(directory, deployment.automation, deployment.variation)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(deployment), indent=2))
    os.replace(tmp, path)
    return path


def remove(directory: Path, automation: str, variation: str) -> None:
    record_path(directory, automation, variation).unlink(missing_ok=True)


def all_deployments(directory: Path) -> list[Deployment]:
    if not directory.is_dir():
        return []
    found = (_load(path) for path in sorted(directory.glob("*.json")))
    return [d for d in found if d is not None]


def stop(deployment: Deployment, grace_s: float = 10.0) -> bool:
    """Stop the server if it is still ours (it drains in-flight requests first); True when nothing is left."""
    if deployment.backend != "local":
        return True  # containers are stopped by the Docker backend
    if not is_alive(deployment.pid):
        return True
    if not deployment.owns_pid():
        return True  # the pid now belongs to another process: our server is long gone
    return stop_group(deployment.pid, grace_s=grace_s)


@contextlib.contextmanager
def try_locked(directory: Path, automation: str, variation: str) -> Iterator[bool]:
    """Like ``locked`` without waiting: yields False when a deploy or undeploy holds the lock."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f".{key(automation, variation)}.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked(directory: Path, automation: str, variation: str) -> Iterator[None]:
    """One deploy/undeploy at a time per automation+variation (two runs racing would orphan a server)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f".{key(automation, variation)}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
