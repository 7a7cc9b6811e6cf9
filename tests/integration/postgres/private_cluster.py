"""A PostgreSQL instance of this test's own (initdb in a temp dir, a free port), so it can be restarted.

The machine's shared cluster serves other sessions' tests; restarting it would break their runs.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True, timeout=timeout)


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def uri(self) -> str:
        return f"postgresql://postgres:restart@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        out = _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args])
        assert out.returncode == 0, out.stdout + out.stderr

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self.ctl("-o", options, "-l", str(self.data / "log"), "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    """Needs Debian's postgresql installed (the pg_server fixture does that) and root, to run it as postgres."""
    if not (BIN / "initdb").exists():
        raise RuntimeError(f"{BIN / 'initdb'} not found: the postgres fixture installs Debian's postgresql")
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="analytics-restart-"))  # pytest's tmp_path is root-only; postgres must enter
    data = tmp / "pgdata"
    data.mkdir(parents=True)
    pw = pwd.getpwnam("postgres")
    os.chown(data, pw.pw_uid, pw.pw_gid)
    (tmp / "pwfile").write_text("restart\n")
    os.chown(tmp / "pwfile", pw.pw_uid, pw.pw_gid)
    tmp.chmod(0o755)
    out = _as_postgres([str(BIN / "initdb"), "-D", str(data), "-A", "scram-sha-256", "--pwfile", str(tmp / "pwfile")])
    assert out.returncode == 0, out.stdout + out.stderr
    cluster = Cluster(data, _free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(AssertionError):
            cluster.stop()
        time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)
