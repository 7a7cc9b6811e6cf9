"""Cleaning up after a local deploy whose process was killed mid-way, against real (short-lived) processes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from automations.backends.local import pending
from automations.backends.local.process import is_alive, stop_group
from automations.gateway import registry

pytestmark = pytest.mark.unit


def artifacts(tmp_path) -> dict[str, str]:
    """Artifact paths unique to the test, so no other test's record or server can match this test's servers."""
    return {name: str(tmp_path / "art" / name) for name in ("old", "new")}


@pytest.fixture
def art(tmp_path):
    return artifacts(tmp_path)


@pytest.fixture
def servers(art):
    """Stand-ins for model servers: their command lines carry the serve marker and their artifact."""
    started: list[subprocess.Popen] = []

    def start(name: str, marker: str = registry.SERVE_MARKER) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)", marker, "--artifact", art[name]],
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_group(proc.pid, grace_s=1)


def record(pid: int, build_id: str, artifact: str) -> registry.Deployment:
    return registry.Deployment("auto", "default", build_id, "http://h:1", pid, 1, "h", artifact, "/l", "t")


def marker(tmp_path, new: subprocess.Popen, old: subprocess.Popen | None, launch: str | None = None) -> None:
    art = artifacts(tmp_path)
    before = pending.Server(old.pid, art["old"], "b-old") if old else None
    pending.mark(
        tmp_path, "auto--default", pending.Pending(pending.Server(new.pid, art["new"], "b-new"), before, launch)
    )
    # A server that died before recovery ran would make the assertions below fail for the wrong reason.
    assert all(is_alive(p.pid) for p in (new, old) if p), "a stand-in server exited before recovery ran"


def test_killed_before_the_switch_stops_the_new_server_and_restores_the_launch_file(tmp_path, servers, art):
    old, new = servers("old"), servers("new")
    registry.write(tmp_path, record(old.pid, "b-old", art["old"]))
    launch = tmp_path / "launch.json"
    launch.write_text('{"build_id": "b-new"}')  # the killed deploy had written the new server's launch file
    marker(tmp_path, new, old, launch='{"build_id": "b-old"}')
    assert pending.recover(tmp_path, "auto", "default", launch) == [new.pid]
    assert not is_alive(new.pid) and is_alive(old.pid)
    assert launch.read_text() == '{"build_id": "b-old"}'
    assert not pending.path(tmp_path, "auto--default").exists()


def test_killed_after_the_switch_stops_the_previous_server(tmp_path, servers, art):
    old, new = servers("old"), servers("new")
    registry.write(tmp_path, record(new.pid, "b-new", art["new"]))
    marker(tmp_path, new, old)
    assert pending.recover(tmp_path, "auto", "default", tmp_path / "launch.json") == [old.pid]
    assert is_alive(new.pid) and not is_alive(old.pid)


def test_a_recycled_pid_is_never_signalled(tmp_path, servers, art):
    stranger = servers("new", marker="somebody else's process")
    marker(tmp_path, stranger, None)
    assert pending.recover(tmp_path, "auto", "default", tmp_path / "launch.json") == []
    assert is_alive(stranger.pid)


def test_nothing_pending_or_a_damaged_marker_is_a_no_op(tmp_path):
    assert pending.recover(tmp_path, "auto", "default", tmp_path / "launch.json") == []
    pending.path(tmp_path, "auto--default").write_text("{half")
    assert pending.recover(tmp_path, "auto", "default", tmp_path / "launch.json") == []
    assert not pending.path(tmp_path, "auto--default").exists()
