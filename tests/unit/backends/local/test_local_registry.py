"""The deployment registry and process helpers, against real (short-lived) processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from automations.backends.local.process import cmdline, is_alive, run_streaming, stop_group
from automations.gateway import registry

pytestmark = pytest.mark.unit


def record(pid: int, artifact: str = "/art/x", variation: str = "default") -> registry.Deployment:
    return registry.Deployment(
        automation="auto",
        variation=variation,
        build_id="b1",
        endpoint="http://h:1",
        pid=pid,
        port=1,
        host="h",
        artifact=artifact,
        log_file="/l",
        started_at="t",
    )


def test_write_read_list_remove(tmp_path):
    registry.write(tmp_path, record(11))
    registry.write(tmp_path, record(12, variation="blue"))
    (tmp_path / "junk.json").write_text("{not json")
    assert registry.read(tmp_path, "auto", "default").pid == 11
    assert [d.variation for d in registry.all_deployments(tmp_path)] == ["blue", "default"]
    registry.remove(tmp_path, "auto", "blue")
    assert registry.read(tmp_path, "auto", "blue") is None
    assert not list(tmp_path.glob("*.tmp"))


def test_a_recycled_pid_is_never_killed():
    code = "import time; print('ready', flush=True); time.sleep(30)"
    other = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        other.stdout.readline()  # exec'd: /proc shows its own command line, not pytest's
        deployment = record(other.pid)  # its cmdline is not a model server for /art/x
        assert not deployment.alive()
        assert registry.stop(deployment) is True
        assert other.poll() is None, "somebody else's process must survive"
    finally:
        other.kill()
        other.wait()
        other.stdout.close()


def test_stop_group_stops_a_session_and_reaps_it():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    assert is_alive(proc.pid)
    assert stop_group(proc.pid, grace_s=5) is True
    assert not is_alive(proc.pid)


def test_stop_group_escalates_to_sigkill():
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    started = time.monotonic()
    assert stop_group(proc.pid, grace_s=0.5) is True
    assert time.monotonic() - started < 5
    proc.stdout.close()


def test_a_zombie_is_not_alive():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and is_alive(proc.pid):
        time.sleep(0.05)
    assert not is_alive(proc.pid)  # exited, not reaped yet
    proc.wait()
    assert not is_alive(None) and not is_alive(0)


def test_cmdline_of_a_running_a_zombie_and_a_gone_process():
    code = "import time; print('ready', flush=True); time.sleep(30)"
    proc = subprocess.Popen([sys.executable, "-c", code, "model_runtime", "serve"], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    assert cmdline(proc.pid) == f"{sys.executable} -c {code} model_runtime serve"
    proc.kill()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and is_alive(proc.pid):
        time.sleep(0.05)
    assert cmdline(proc.pid) == ""  # a zombie has no command line left
    proc.wait()
    proc.stdout.close()
    assert cmdline(proc.pid) == ""


def test_run_streaming_emits_lines_as_they_come(tmp_path):
    seen: list[tuple[float, str]] = []
    code = "import time\nprint('one', flush=True)\ntime.sleep(0.5)\nprint('two', flush=True)\nraise SystemExit(3)"
    done = run_streaming([sys.executable, "-c", code], {}, tmp_path, emit=lambda s: seen.append((time.monotonic(), s)))
    assert done.code == 3 and done.tail == "one\ntwo"
    assert [s for _, s in seen] == ["one", "two"]
    assert seen[1][0] - seen[0][0] > 0.3, "the first line arrived before the command finished"


def test_lock_serialises_deploys(tmp_path):
    order: list[str] = []

    def second() -> None:
        with registry.locked(tmp_path, "auto", "default"):
            order.append("second")

    with registry.locked(tmp_path, "auto", "default"):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"]


def test_run_streaming_reports_progress_while_a_step_is_silent(tmp_path):
    seen: list[str] = []
    code = "import time\ntime.sleep(0.8)\nprint('finally', flush=True)"
    done = run_streaming([sys.executable, "-c", code], {}, tmp_path, emit=seen.append, heartbeat_s=0.2)
    assert done.code == 0 and seen[-1] == "finally"
    assert any(line.startswith("... still running after") for line in seen[:-1])
    assert done.tail == "finally", "heartbeats are not output of the command"
