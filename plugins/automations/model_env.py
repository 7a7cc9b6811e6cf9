"""The environment of a model process, from the definition: one builder for the build, one for the model server.

The names are ``model_runtime.contract``'s; what goes into them is decided here, once, for every backend. A
backend adds only what is its own: where model_runtime sits on PYTHONPATH, its venv, its log streaming.
"""

from __future__ import annotations

import json
from typing import Optional

from model_runtime import contract

from .spec import Automation


def build_env(automation: Automation, build_id: Optional[str] = None) -> dict[str, str]:
    """What the build reads: the spec's env_vars, then the contract's names, which win (the runtime must find what
    it reads). Parameters are JSON with sorted keys, so one definition always gives the same text (and pod).
    ``build_id`` is left out by a backend that adds it per run (docker, kubernetes)."""
    build = automation.action.build_spec
    env = {
        **build.env,
        contract.ENV_AUTOMATION: automation.name,
        contract.ENV_MODEL_ID: automation.model_id,
        contract.ENV_PARAMETERS: json.dumps(build.parameters, sort_keys=True),
    }
    if build_id:
        env[contract.ENV_BUILD_ID] = build_id
    return env


def server_env(
    automation: Automation, build_id: str, *, port: Optional[int] = None, drain_s: Optional[int] = None
) -> dict[str, str]:
    """What the model server reads: the deployment's env_vars, then its typed fields (these win) and the ids of
    what it serves. ``port`` and ``drain_s`` are set by a backend that fixes them itself (kubernetes)."""
    spec = automation.action.deployment_spec
    env = {
        **spec.env,
        contract.ENV_WORKERS: str(spec.number_of_http_server_workers),
        contract.ENV_TIMEOUT_MS: str(spec.http_request_timeout_ms),
        contract.ENV_MAX_BATCH: str(spec.max_batch_size),
        contract.ENV_DAEMON_MODE: "true" if spec.daemon_mode else "false",
    }
    if port is not None:
        env[contract.ENV_PORT] = str(port)
    if drain_s is not None:
        env[contract.ENV_DRAIN_S] = str(drain_s)
    env[contract.ENV_MODEL_ID] = automation.model_id
    env[contract.ENV_AUTOMATION] = automation.name
    env[contract.ENV_BUILD_ID] = build_id
    return env
