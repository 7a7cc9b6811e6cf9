"""Print the last run of an automation from Airflow's metadata DB, then call its deployed model's /predict.

Exits non-zero when the run did not succeed or the endpoint does not answer, so `make demo` cannot pass silently.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

SAMPLE = (
    "from sklearn.datasets import load_breast_cancer; import json; "
    "d = load_breast_cancer(as_frame=True); print(d.data.iloc[[0, 19, 20]].to_json(orient='records'))"
)


def last_run(db: Path, dag_id: str) -> tuple[str, str, dict[str, str], dict[str, object]]:
    con = sqlite3.connect(db)
    run_id, state = con.execute(
        "SELECT run_id, state FROM dag_run WHERE dag_id=? ORDER BY id DESC LIMIT 1", (dag_id,)
    ).fetchone()
    tasks = dict(con.execute("SELECT task_id, state FROM task_instance WHERE dag_id=? AND run_id=?", (dag_id, run_id)))
    xcoms = {
        task: json.loads(value)
        for task, value in con.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id=? AND run_id=? AND key='return_value'", (dag_id, run_id)
        )
    }
    return run_id, state, tasks, xcoms


def post(url: str, records: list) -> object:
    request = urllib.request.Request(
        url, data=json.dumps(records).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def main(dag_id: str) -> int:
    run_id, state, tasks, xcoms = last_run(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db", dag_id)
    print(f"run {run_id}: {state}")
    for task in ("clone", "build", "metric_gate", "deploy", "skip_deploy"):
        print(f"  {task:<12} {tasks.get(task)}")
    build = xcoms.get("build") or {}
    print(f"metrics: {build.get('metrics')}")
    if state != "success" or tasks.get("deploy") != "success":
        print("the model was not deployed; see the log above", file=sys.stderr)
        return 1
    endpoint = xcoms["deploy"]["endpoint"]
    records = json.loads(
        subprocess.run([build["python"], "-c", SAMPLE], capture_output=True, text=True, check=True).stdout
    )
    print(f"\nPOST {endpoint}/predict with 3 records from the breast-cancer data set:")
    print(json.dumps(post(f"{endpoint}/predict", records)))
    print(f"\nThe model keeps serving at {endpoint}.")
    print("  list deployments: PYTHONPATH=plugins .venv/bin/python -m automations deployments")
    print(f"  stop it:          PYTHONPATH=plugins .venv/bin/python -m automations undeploy {dag_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
