"""Runs inside a fresh interpreter and parses DAG files the way Airflow does; prints one JSON line.

``processor FOLDER CYCLES``: like the DAG processor. This long-lived parent imports Airflow and pre-imports the
``airflow.*`` modules each file imports at top level (``parsing_pre_import_modules``), then, per parse cycle and
per file, forks a child that runs Airflow's own ``_parse_file`` (DagBag of that one file plus serialization of
every DAG). A cycle's time is the sum of its children's wall times, fork to exit.

``dagbag PATH``: a whole fresh process, as a task start or ``airflow dags list --local`` pays it: the parent
times the interpreter start and Airflow import too.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _child(file: Path, bundle: Path, write_fd: int) -> None:
    os.environ["_AIRFLOW_PROCESS_CONTEXT"] = "client"  # what _parse_file_entrypoint sets
    import structlog
    from airflow.dag_processing.processor import DagFileParseRequest, _parse_file

    request = DagFileParseRequest(file=str(file), bundle_path=bundle, bundle_name="bench", callback_requests=[])
    result = _parse_file(request, structlog.get_logger())
    dags = result.serialized_dags if result else []
    tasks = sum(len(d.data["dag"]["tasks"]) for d in dags)
    errors = len(result.import_errors) if result else 0
    for path, text in (result.import_errors if result else {}).items():
        print(f"import error in {path}:\n{text[-1500:]}", file=sys.stderr)
    os.write(write_fd, json.dumps({"dags": len(dags), "tasks": tasks, "errors": errors}).encode())


def _parse_in_child(file: Path, bundle: Path) -> dict:
    read_fd, write_fd = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 0
        try:
            _child(file, bundle, write_fd)
        except BaseException:  # report, never fall back into the parent's loop
            import traceback

            traceback.print_exc()
            code = 1
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - start
    if status != 0 or not payload:
        raise SystemExit(f"parsing {file} failed in the child (status {status})")
    return {"seconds": seconds, **json.loads(payload)}


def processor(folder: Path, cycles: int) -> dict:
    import structlog
    from airflow.dag_processing.processor import _pre_import_airflow_modules

    files = sorted(folder.glob("*.py"))
    log = structlog.get_logger()
    for file in files:  # once, in the long-lived parent, as the processor manager does
        _pre_import_airflow_modules(str(file), log)
    out = []
    for _ in range(cycles):
        parsed = [_parse_in_child(file, folder) for file in files]
        out.append({key: sum(p[key] for p in parsed) for key in ("seconds", "dags", "tasks", "errors")})
    return {"cycles": out}


def dagbag(path: Path) -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(path))
    tasks = sum(len(d.tasks) for d in bag.dags.values())
    return {"dags": len(bag.dags), "tasks": tasks, "errors": len(bag.import_errors)}


if __name__ == "__main__":
    mode, target = sys.argv[1], Path(sys.argv[2])
    result = processor(target, int(sys.argv[3])) if mode == "processor" else dagbag(target)
    print(json.dumps(result))
