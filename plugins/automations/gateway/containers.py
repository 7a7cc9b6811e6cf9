"""Stopping the Docker container behind a gateway route: what a docker deploy does to the container it replaces,
and what an undeploy does to a recorded docker deployment. Here, not in a backend, because both need it.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

DRAIN_S = 35  # MODEL_SERVER_DRAIN_S (30) plus a margin: how long `docker stop` waits before SIGKILL


def remove_container(container: Any, drain_s: int) -> None:
    """``docker stop`` (SIGTERM, then SIGKILL after ``drain_s``), then remove it."""
    try:
        container.stop(timeout=drain_s)
    except Exception as exc:  # already gone or stopping: removing it is all that is left
        log.info("deploy: stopping %s: %s", getattr(container, "name", container), exc)
    container.remove(force=True)


def remove_recorded(container_id: str, drain_s: int = DRAIN_S) -> None:
    """Stop and remove the container a deployment record names; one that is gone already is fine."""
    import docker

    try:
        container = docker.from_env(version="auto").containers.get(container_id)
    except Exception:  # docker.errors.NotFound, or no engine: nothing of it left to stop here
        return
    remove_container(container, drain_s)
