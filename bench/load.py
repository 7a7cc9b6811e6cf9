"""Scale on a real Airflow (``make bench-load``): 50 automations scheduled for the same minute.

The same session as tests/integration/load (api-server + scheduler + dag-processor, LocalExecutor, PostgreSQL
metadata DB and analytics store, the tiny fixture model deployed on the local backend), with
BENCH_LOAD_AUTOMATIONS (default 50) automations instead of make test's 10. It prints the wall time from the tick to
the last run's end, and the counts the load tests assert: lost and duplicated runs, distinct stable ports, server
processes, log files and artifacts, endpoints answering /predict, analytics rows. Exits 1 when a count is off.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUTOMATIONS = int(os.environ.get("BENCH_LOAD_AUTOMATIONS", "50"))
PARALLELISM = int(os.environ.get("BENCH_LOAD_PARALLELISM", "8"))
DISTINCT = ("deployed", "stable_ports", "ports_json", "upstream_ports", "server_pids", "log_files", "artifacts")


def problems(figures: dict) -> list[str]:
    found = [f"{key}: {figures[key]}" for key in ("lost", "duplicated", "not_on_tick", "failed") if figures[key]]
    found += [
        f"{key}: {figures[key]} != {AUTOMATIONS}"
        for key in (*DISTINCT, "answering", "analytics_rows")
        if figures[key] != AUTOMATIONS
    ]
    return found + [f"serial overlap: {o}" for o in figures["serial_build_overlaps"]]


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))  # the session imports the tests' support package as `support`
    from tests.integration.load import load_session
    from tests.integration.postgres import conftest as pg

    pg._install()
    pg._start()
    pg._ensure_role()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        session = load_session.start(Path(tmp), pg.Server(), AUTOMATIONS, PARALLELISM, lead_s=90)
        try:
            session.wait(session.dags_present, "every DAG parsed and unpaused", 300)
            session.trigger_serial_twice()
            session.wait(session.finished, "every run to finish", 3600, poll_s=10)
            figures = load_session.report(session)
        finally:
            session.close()
    print(f"load, {AUTOMATIONS} automations on one minute, LocalExecutor parallelism {PARALLELISM}, PostgreSQL:")
    print(f"  wall time tick -> last run end  {figures['wall_s']} s (first task {figures['first_start_s']} s after)")
    print(
        f"  runs {figures['runs']}, lost {len(figures['lost'])}, duplicated {len(figures['duplicated'])}, "
        f"failed {len(figures['failed'])}"
    )
    print("  distinct " + ", ".join(f"{key} {figures[key]}" for key in DISTINCT))
    print(f"  answering /predict {figures['answering']}, analytics deployment rows {figures['analytics_rows']}")
    print(f"  load_serial: 2 manual runs, build overlaps {len(figures['serial_build_overlaps'])}")
    found = problems(figures)
    for problem in found:
        print(f"  PROBLEM {problem}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
