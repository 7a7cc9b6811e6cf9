"""The docker SDK client, made in one place (DOCKER_HOST or the local socket; API version negotiated)."""

from __future__ import annotations

from typing import Any


def client() -> Any:
    import docker

    return docker.from_env(version="auto")


def container_log_tail(container: Any, lines: int = 30) -> str:
    try:
        return container.logs(tail=lines).decode("utf-8", "replace").rstrip()
    except Exception as exc:  # the container may already be gone; the caller still needs a message
        return f"(no logs: {exc})"
