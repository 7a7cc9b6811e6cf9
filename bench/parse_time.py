"""DagBag parse time of N generated automations vs hand-written Airflow code building the same DAGs,
and the cost of a task start (parsing context set) at N=1000 vs N=1.

Each figure is the median wall time of a fresh process (interpreter start + Airflow import + parse), as Airflow
pays it. Run: `make bench`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1, 100, 1000)
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))

DEFINITION = """\
name: bench_{i:04d}
model_id: bench_model_{i:04d}
trigger: {{cron: "{minute} 3 * * *"}}
action:
  build_spec:
    git_uri: "https://git.example.com/models.git#model_{i:04d}"
    tags: [bench]
  deployment_condition: {{metric_name: f1_score, direction: ABOVE, threshold: "0.8"}}
"""

HAND_WRITTEN = '''\
# The same DAGs as the generated definitions, written by hand: same timetable, params, docs, callbacks, wiring.
from datetime import timedelta
import pendulum
from airflow.sdk import DAG, Param, chain
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.timetables.trigger import CronTriggerTimetable

def step(**context):
    return None

def record(context):
    return None

for i in range({n}):
    model = f"bench_model_{{i:04d}}"
    doc = (f"### bench_{{i:04d}}: build and deploy `{{model}}`\\n\\n- **Definition:** `bench_{{i:04d}}.yaml`\\n"
           f"- **Source:** `https://git.example.com/models.git`, directory `model_{{i:04d}}`, branch `main`\\n"
           f"- **Runs:** on cron `{{i % 60}} 3 * * *` (UTC)\\n- **Gate:** `f1_score` > `0.8`")
    params = {{
        "git_branch": Param("main", type="string", minLength=1, pattern=r"^[^-\\s][^\\s]*$", title="Git branch",
                            description="Build this branch instead of the definition's."),
        "force_deploy": Param(False, type="boolean", title="Force deploy",
                              description="Deploy even if the metric gate fails (recorded as an override)."),
    }}
    with DAG(dag_id=f"bench_{{i:04d}}", description=f"Build and deploy {{model}}",
             schedule=CronTriggerTimetable(f"{{i % 60}} 3 * * *", timezone="UTC", run_immediately=False),
             start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False, max_active_runs=1,
             is_paused_upon_creation=False, tags=["automation", model, "bench"], doc_md=doc, params=params,
             default_args={{"owner": "automations", "retries": 0}}) as dag:
        clone = PythonOperator(task_id="clone", python_callable=step, retries=2, retry_delay=timedelta(seconds=30))
        build = PythonOperator(task_id="build", python_callable=step)
        build.on_success_callback, build.on_failure_callback = [record], [record]
        gate = BranchPythonOperator(task_id="metric_gate", python_callable=step)
        deploy = PythonOperator(task_id="deploy", python_callable=step)
        skip = PythonOperator(task_id="skip_deploy", python_callable=step)
        chain(clone, build, gate, [deploy, skip])
    globals()[dag.dag_id] = dag
'''

PROBE = textwrap.dedent("""
    import json, sys, time
    start = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])
    print(json.dumps({"seconds": time.perf_counter() - start, "dags": len(bag.dags), "errors": len(bag.import_errors)}))
""")


def generate(n: int, where: Path) -> tuple[Path, Path]:
    definitions, ours, hand = where / "definitions", where / "ours", where / "hand"
    for folder in (definitions, ours, hand):
        folder.mkdir(parents=True)
    for i in range(n):
        (definitions / f"bench_{i:04d}.yaml").write_text(DEFINITION.format(i=i, minute=i % 60))
    (ours / "automations.py").write_text((ROOT / "dags" / "automations.py").read_text())
    (hand / "hand_written.py").write_text(HAND_WRITTEN.format(n=n))
    return ours, hand


def timed(dag_file_folder: Path, env: dict[str, str]) -> dict:
    runs = []
    for _ in range(REPEATS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, str(dag_file_folder)], env=env, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {**runs[0], "seconds": statistics.median(r["seconds"] for r in runs)}


def base_env(definitions: Path, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "AUTOMATIONS_DIR": str(definitions),
        "AUTOMATIONS_BACKEND": "local",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AUTOMATIONS_STATE_DIR": str(home / "state"),
        "PYTHONPATH": str(ROOT / "plugins"),
    }


def task_start_env(env: dict[str, str], dag_id: str) -> dict[str, str]:
    return {**env, "_AIRFLOW_PARSING_CONTEXT_DAG_ID": dag_id, "_AIRFLOW_PARSING_CONTEXT_TASK_ID": "build"}


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench{n}-") as tmp:
        ours, hand = generate(n, Path(tmp))
        env = base_env(Path(tmp) / "definitions", Path(tmp) / "home")
        mine, theirs = timed(ours, env), timed(hand, env)
        start = timed(ours, task_start_env(env, f"bench_{n - 1:04d}"))
    assert mine["errors"] == 0 and mine["dags"] == n == theirs["dags"], (mine, theirs)
    return {
        "n": n,
        "ours_s": mine["seconds"],
        "hand_s": theirs["seconds"],
        "ratio": mine["seconds"] / theirs["seconds"],
        "task_start_s": start["seconds"],
        "task_start_dags": start["dags"],
    }


def main() -> int:
    rows = [measure(n) for n in SIZES]
    print(f"{'N':>5} {'ours (s)':>9} {'hand-written (s)':>17} {'ratio':>6} {'task start (s)':>15}")
    for r in rows:
        print(f"{r['n']:>5} {r['ours_s']:>9.2f} {r['hand_s']:>17.2f} {r['ratio']:>6.2f} {r['task_start_s']:>15.2f}")
    start_ratio = rows[-1]["task_start_s"] / rows[0]["task_start_s"]
    print(f"task start at N={rows[-1]['n']} vs N={rows[0]['n']}: {start_ratio:.2f}x (goal <= 1.10)")
    print(f"parse ratio at N={rows[-1]['n']}: {rows[-1]['ratio']:.2f}x (goal <= 1.15)")
    print(json.dumps({"rows": rows, "task_start_ratio": start_ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
