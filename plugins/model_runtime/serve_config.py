"""The model server's settings, read from the contract's MODEL_SERVER_* environment names (stdlib only)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from . import contract

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024  # parsed, a body takes many times its size: see serve_app


@dataclass(frozen=True)
class ServerConfig:
    host: str
    port: int
    workers: int = 2
    timeout_ms: int = 5000
    max_batch: int = 1
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    keep_alive_s: int = 5  # an idle keep-alive connection is closed after this
    drain_s: int = 30  # on SIGTERM, in-flight requests get this long to finish


def config_from_env(host: str, port: int, environ: Optional[Mapping[str, str]] = None) -> ServerConfig:
    env: Mapping[str, str] = os.environ if environ is None else environ

    def number(name: str, default: int) -> int:
        return max(1, int(env.get(name) or default))

    return ServerConfig(
        host=host,
        port=port,
        workers=number(contract.ENV_WORKERS, 2),
        timeout_ms=number(contract.ENV_TIMEOUT_MS, 5000),
        max_batch=number(contract.ENV_MAX_BATCH, 1),
        max_body_bytes=number(contract.ENV_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES),
        keep_alive_s=number(contract.ENV_KEEP_ALIVE_S, 5),
        drain_s=number(contract.ENV_DRAIN_S, 30),
    )
