"""Restart local model servers that died without an undeploy: back-off per variation, logged and counted.

Runs inside the gateway process once a second. A deploy or undeploy in progress holds the variation's lock, so
the supervisor skips that variation rather than racing it. Docker deployments are left to the engine's own
``unless-stopped`` restart policy.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("automations.gateway")

MAX_BACKOFF_S = 60.0


def launch_path(directory: Path, key: str) -> Path:
    return directory / f"{key}.launch.json"


def load_plan(path: Path) -> Any:  # backends.local.deploy.ServerPlan
    from ..backends.local.deploy import ServerPlan

    data = json.loads(path.read_text())
    data["command"] = tuple(data["command"])
    data["env"] = tuple(tuple(pair) for pair in data["env"])
    return ServerPlan(**data)


class Supervisor:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.failures: dict[str, int] = {}  # consecutive failed restarts per variation
        self.next_try: dict[str, float] = {}
        self.busy = threading.Lock()

    def tick(self) -> None:
        if not self.busy.acquire(blocking=False):
            return  # the previous tick is still waiting on a restart
        try:
            from . import registry

            for deployment in registry.all_deployments(self.directory):
                if deployment.backend == "local" and not deployment.alive():
                    self.maybe_restart(deployment)
        finally:
            self.busy.release()

    def maybe_restart(self, deployment) -> None:  # registry.Deployment
        from . import registry

        key = registry.key(deployment.automation, deployment.variation)
        if time.monotonic() < self.next_try.get(key, 0.0):
            return
        with registry.try_locked(self.directory, deployment.automation, deployment.variation) as got:
            current = registry.read(self.directory, deployment.automation, deployment.variation)
            if not got or current is None or current.pid != deployment.pid or current.alive():
                return  # being deployed/undeployed, gone, or already replaced
            self.restart(key, current)

    def restart(self, key: str, deployment) -> None:
        from ..backends.errors import DeployFailed
        from ..backends.local import deploy
        from . import registry

        path = launch_path(self.directory, key)
        if not path.is_file():
            log.warning("supervisor: %s died and has no launch file; not restarting", key)
            return
        plan = load_plan(path)
        log.warning(
            "supervisor: %s (build %s, pid %d) is not running; restarting it (restart %d)",
            key,
            deployment.build_id,
            deployment.pid,
            deployment.restarts + 1,
        )
        proc = deploy.start(plan)
        try:
            deploy.wait_healthy(plan, proc)
        except DeployFailed as exc:
            from ..backends.local.process import stop_group

            stop_group(proc.pid, grace_s=2.0)
            failures = self.failures[key] = self.failures.get(key, 0) + 1
            delay = min(MAX_BACKOFF_S, 2.0**failures)
            self.next_try[key] = time.monotonic() + delay
            log.error(
                "supervisor: restarting %s failed (%d in a row), next try in %.0fs: %s",
                key,
                failures,
                delay,
                str(exc).splitlines()[0],
            )
            return
        self.failures.pop(key, None)
        registry.write(self.directory, dataclasses.replace(deployment, pid=proc.pid, restarts=deployment.restarts + 1))
        log.warning("supervisor: %s restarted as pid %d (%d restarts so far)", key, proc.pid, deployment.restarts + 1)
