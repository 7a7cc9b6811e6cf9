"""`make airflow` as a user runs it: in a terminal of its own (a new session), stopped with Ctrl-C (SIGINT to the
foreground process group), its banner read for the URL and the login."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from tests.support.airflow_server import AirflowServer, free_port, tail, token

ROOT = Path(__file__).resolve().parents[3]
BANNER = re.compile(r"Airflow is up after \d+s: (?P<url>\S+)\n  login:\s+(?P<user>\S+) / (?P<password>\S+)")
START_TIMEOUT_S = 240  # two cores shared by many: standalone took 20-70 s here


@dataclass
class Session:
    """One `make airflow`: the make process, its output file, and every pid seen in its process tree."""

    proc: subprocess.Popen
    output: Path
    seen: set[int] = field(default_factory=set)

    def snapshot(self) -> None:
        try:
            self.seen |= {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass

    def ctrl_c(self, timeout_s: float = 90) -> int:
        """What the terminal does on Ctrl-C; returns make's exit code once it has finished."""
        self.snapshot()
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=timeout_s)

    def wait_stopped(self, timeout_s: float = 60) -> None:
        """Make returns as soon as its child is interrupted; the launcher may still be cleaning up."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.alive():
            time.sleep(0.5)

    def alive(self) -> list[psutil.Process]:
        found = []
        for pid in self.seen:
            try:
                process = psutil.Process(pid)
                if process.status() != psutil.STATUS_ZOMBIE:
                    found.append(process)
            except psutil.NoSuchProcess:
                pass
        return found


def environment(base: Path, definitions: Path, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **extra,
        "AIRFLOW_HOME": str(base / "home"),
        "AUTOMATIONS_STATE_DIR": str(base / "state"),
        "AUTOMATIONS_DIR": str(definitions),
        "AIRFLOW_PORT": str(port),
    }


def start(base: Path, definitions: Path, port: int | None = None, **extra: str) -> tuple[Session, AirflowServer]:
    """Run `make airflow` and wait for its banner; the server's token comes from the login it printed."""
    port = port or free_port()
    output = base / f"make-airflow-{time.monotonic_ns()}.out"
    with output.open("w") as out:
        proc = subprocess.Popen(
            ["make", "-s", "airflow"],
            cwd=ROOT,
            env=environment(base, definitions, port, **extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    session = Session(proc, output)
    server = AirflowServer("", "", base / "home", base / "home" / "standalone.log")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if (found := BANNER.search(output.read_text())) is not None:
            server.url = found["url"]
            server.token = token(server.url, found["user"], found["password"]) or ""
            session.snapshot()
            return session, server
        if proc.poll() is not None:
            raise AssertionError(f"make airflow exited with {proc.returncode}:\n{output.read_text()[-3000:]}")
        time.sleep(1)
    session.ctrl_c()
    raise AssertionError(f"no banner within {START_TIMEOUT_S}s:\n{output.read_text()}\n{tail(server.log)}")


def login(output: Path) -> tuple[str, str]:
    found = BANNER.search(output.read_text())
    assert found, output.read_text()
    return found["user"], found["password"]
