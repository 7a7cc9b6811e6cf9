"""Many whole-DAG runs (`dag.test()`, as `airflow dags test` does it) in one long-lived Airflow process.

`airflow dags test` pays Airflow's import, the bundle sync and the in-process execution API's start-up (about
40 s on the shared 2-core machine) on every run; this driver pays them once. The test side (``Driver``) writes one
JSON command a line on the driver's stdin: the dag_id, environment overrides for that run only (settings and
connections are read at call time), the logical date and conf (``airflow dags test NAME DATE -c CONF``) and a
result file; the driver re-parses the DAG folder, runs ``dag.test()``,
prints ``=== START/END <label>`` around the run's log lines and writes ``{"run_id": ...}`` to the result file.

Run as ``python -m support.dag_driver`` with the environment of ``airflow_env`` (tests/ on PYTHONPATH).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

START, END = "=== START ", "=== END "


class Driver:
    """The test side: start the driver process, run DAGs through it, read each run's own log lines."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        tests_dir = str(Path(__file__).resolve().parents[1])
        env = {**env, "PYTHONPATH": os.pathsep.join([env.get("PYTHONPATH", ""), tests_dir])}
        self.log = log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "support.dag_driver"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a case may SIGKILL it, as the worker running a task can be killed
        )

    def run(
        self,
        dag_id: str,
        label: str,
        env: Optional[dict[str, str]] = None,
        timeout_s: float = 600,
        logical_date: Optional[str] = None,
        conf: Optional[dict] = None,
    ) -> dict:
        """One ``dag.test()``; returns ``{"run_id"}`` or ``{"error"}``, or ``{"killed": rc}`` if the driver died.

        ``logical_date`` (ISO 8601) defaults to now, as in ``airflow dags test``; ``conf`` is the run's conf."""
        result = self.log_path.with_name(f"result-{label}.json")
        result.unlink(missing_ok=True)
        command = {
            "dag_id": dag_id,
            "label": label,
            "env": env or {},
            "result": str(result),
            "logical_date": logical_date,
            "conf": conf,
        }
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout_s
        while not result.is_file():
            if self.proc.poll() is not None:
                return {"killed": self.proc.returncode}
            assert time.monotonic() < deadline, f"run {label} did not finish within {timeout_s:g}s"
            time.sleep(0.2)
        return json.loads(result.read_text())

    def output(self, label: str) -> str:
        """The log lines of run ``label`` (up to the end of the log when the run never ended)."""
        text = self.log_path.read_text(errors="replace")
        start = text.rfind(f"{START}{label}\n")
        end = text.find(f"{END}{label}\n", start)
        return text[start : end if end != -1 else len(text)] if start != -1 else ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _run(command: dict[str, Any]) -> dict[str, Any]:
    from airflow._shared.timezones import timezone
    from airflow.utils.cli import get_bagged_dag

    saved = {name: os.environ.get(name) for name in command["env"]}
    os.environ.update(command["env"])
    try:
        dag = get_bagged_dag(bundle_names=None, dag_id=command["dag_id"])
        when = command.get("logical_date")
        logical_date = timezone.parse(when) if when else timezone.utcnow()
        return {"run_id": dag.test(logical_date=logical_date, run_conf=command.get("conf")).run_id}
    except Exception as exc:  # the test reads the states from the metadata DB; this is only for its message
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main() -> None:
    import airflow  # noqa: F401 - configures logging to stdout, as the CLI does

    for line in sys.stdin:
        command = json.loads(line)
        print(f"{START}{command['label']}", flush=True)
        outcome = _run(command)
        print(f"{END}{command['label']}", flush=True)
        sys.stderr.flush()
        Path(command["result"]).write_text(json.dumps(outcome))


if __name__ == "__main__":
    main()
    # Every run's results are written; interpreter finalization of Airflow's import graph would take seconds more.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
