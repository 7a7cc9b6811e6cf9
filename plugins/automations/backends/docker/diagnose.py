"""Why a build container failed, in one sentence a person can act on. Pure: reads a `docker inspect` State."""

from __future__ import annotations

from model_runtime import contract

SIGKILL_EXIT = 137


def failure_reason(state: dict, mem_limit: int, timed_out_after: int | None) -> str:
    """The reason for a non-zero exit; the timeout wins because our own kill also shows as exit 137."""
    code = state.get("ExitCode")
    if timed_out_after is not None:
        return f"build timed out after {timed_out_after} s and its container was killed"
    if state.get("OOMKilled"):
        return (
            f"build ran out of memory: the container was OOM-killed at its limit of {mem_limit // 2**20} MiB "
            f"(exit {code}); raise the build's memory"
        )
    reasons = getattr(contract, "EXIT_REASONS", {})
    if code in reasons:
        return f"{reasons[code]} (exit {code})"
    if code == SIGKILL_EXIT:
        return f"build container was killed (SIGKILL, exit {code})"
    error = state.get("Error") or ""
    return f"build container exited with code {code}" + (f": {error}" if error else "")


def log_tail(lines: list | None, count: int = 30) -> str:
    """The last ``count`` log lines as text (the provider hands bytes or str)."""
    text = [ln.decode("utf-8", "replace") if isinstance(ln, bytes) else str(ln) for ln in (lines or [])]
    return "\n".join(t.rstrip("\n") for t in text[-count:])
