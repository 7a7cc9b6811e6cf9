"""`airflow scheduler`, `airflow dag-processor` (and `api-server` when tasks must run) as process groups of
their own, so a stop ends their children too."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from support.airflow_env import AIRFLOW

COMPONENTS = ("dag-processor", "scheduler")


class Components:
    def __init__(self, env: dict[str, str], logs: Path, components: tuple[str, ...] = COMPONENTS) -> None:
        self.env, self.logs, self.procs, self.components = env, logs, [], components

    def start(self, label: str) -> None:
        for component in self.components:
            out = (self.logs / f"{component}-{label}.log").open("w")
            self.procs.append(
                subprocess.Popen(
                    [AIRFLOW, component], env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.procs = []
