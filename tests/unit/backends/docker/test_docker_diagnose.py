import pytest

from automations.backends.docker.diagnose import failure_reason, log_tail

pytestmark = pytest.mark.unit
MiB = 2**20


def test_oom_names_the_limit():
    reason = failure_reason({"ExitCode": 137, "OOMKilled": True}, 256 * MiB, None)
    assert "out of memory" in reason and "256 MiB" in reason


def test_timeout_wins_over_the_sigkill_it_caused():
    assert failure_reason({"ExitCode": 137, "OOMKilled": False}, MiB, 30).startswith("build timed out after 30 s")


def test_runtime_exit_codes_are_explained():
    assert failure_reason({"ExitCode": 4}, MiB, None) == "the model's tests failed (exit 4)"
    assert failure_reason({"ExitCode": 5}, MiB, None) == "the model's build failed (exit 5)"


def test_other_exits_keep_the_engine_error():
    assert failure_reason({"ExitCode": 1, "Error": "boom"}, MiB, None) == "build container exited with code 1: boom"
    assert "SIGKILL" in failure_reason({"ExitCode": 137}, MiB, None)


def test_log_tail_decodes_and_keeps_the_end():
    lines = [f"line {i}\n".encode() for i in range(50)]
    tail = log_tail(lines, 3)
    assert tail == "line 47\nline 48\nline 49"
    assert log_tail(None) == ""
