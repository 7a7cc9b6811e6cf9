"""What the DAG processor pays for our dags/ folder, against hand-written Airflow code building the same DAGs.

For each N it generates N realistic definitions (``definitions.py``) and the hand-written baseline
(``hand_written.py``), then measures, on the kubernetes backend (the default) and the local backend:

* **processor** - a parse cycle as Airflow's DAG processor runs it (``probe.py processor``): every file in
  ``dags/`` parsed in its own forked child by Airflow's ``_parse_file``, DAGs serialized, times summed. The first
  cycle of a fresh processor is *cold* (empty parse cache); the later ones are *warm*, which is what the
  processor pays every ``min_file_process_interval`` while definitions do not change.
* **fresh** - one new interpreter loading the whole folder with a DagBag (Airflow import included).
* **task start** - one new interpreter parsing ``dags/automations.py`` with the parsing context set.

Every figure is the median over ``BENCH_REPEATS`` fresh processes. Our runs and the baseline's alternate, so both
see the same load on a shared machine, and every ratio is the median of the per-pair ratios.

Run: ``make bench`` (N = 1, 100, 1000); ``BENCH_SIZES="1 100 1000 5000" make bench`` adds N=5000.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .definitions import write_definitions
from .hand_written import hand_written

ROOT = Path(__file__).resolve().parents[1]
PROBE = Path(__file__).with_name("probe.py")
SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "1 100 1000").split())
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
CYCLES = max(2, int(os.environ.get("BENCH_CYCLES", "3")))  # one cold, then warm ones
FRESH = os.environ.get("BENCH_FRESH", "1") != "0"  # BENCH_FRESH=0 skips the fresh-process column
BACKENDS = tuple(os.environ.get("BENCH_BACKENDS", "kubernetes local").split())


def prepare(n: int, where: Path) -> dict[str, Path]:
    """The definitions, our dags/ folder, the two hand-written folders and an Airflow home under ``where``."""
    folders = {name: where / name for name in ("ours", "hand_kubernetes", "hand_local", "home")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    write_definitions(n, where / "definitions")
    for dag_file in sorted((ROOT / "dags").glob("*.py")):
        shutil.copy(dag_file, folders["ours"] / dag_file.name)
    for backend in BACKENDS:
        (folders[f"hand_{backend}"] / "hand_written.py").write_text(hand_written(n, backend, "definitions"))
    return folders


def environment(where: Path, backend: str) -> dict[str, str]:
    home = where / "home"
    return {
        **os.environ,
        "AUTOMATIONS_DIR": str(where / "definitions"),
        "AUTOMATIONS_BACKEND": backend,
        # The kubernetes backend has no default registry; the figures do not depend on which one.
        "AUTOMATIONS_REGISTRY": os.environ.get("AUTOMATIONS_REGISTRY", "registry.example.com/ml"),
        "AUTOMATIONS_STATE_DIR": str(home / "state"),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Thousands of DAGs in one file take longer than the default 30 s on a loaded machine, ours and by hand.
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "900",
        "AIRFLOW__CORE__DAGS_FOLDER": str(where / "ours"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),  # registers the automations' timetable
        "PYTHONPATH": str(ROOT / "plugins"),
    }


def run_probe(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, str(PROBE), *args], env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"probe {args} failed:\n{out.stderr[-3000:]}")
    return seconds, json.loads(out.stdout.strip().splitlines()[-1])


def clear_parse_cache(env: dict[str, str]) -> None:
    shutil.rmtree(Path(env["AUTOMATIONS_STATE_DIR"]) / "parse-cache", ignore_errors=True)


def processor_pair(where: Path, folders: dict[str, Path], backend: str) -> list[dict]:
    """REPEATS fresh processors for ours and for the baseline, alternating which goes first."""
    env, pairs = environment(where, backend), []
    for repeat in range(REPEATS):
        sides = {"ours": folders["ours"], "hand": folders[f"hand_{backend}"]}
        order = list(sides) if repeat % 2 == 0 else list(reversed(sides))
        pair = {}
        for side in order:
            clear_parse_cache(env)  # every fresh processor starts cold
            _, result = run_probe(["processor", str(sides[side]), str(CYCLES)], env, where)
            pair[side] = result["cycles"]
        pairs.append(pair)
    return pairs


def fresh_pair(where: Path, folders: dict[str, Path], backend: str) -> list[dict]:
    """REPEATS fresh interpreters loading the whole folder (parse cache as the processor left it)."""
    env, pairs = environment(where, backend), []
    for repeat in range(REPEATS):
        sides = {"ours": folders["ours"], "hand": folders[f"hand_{backend}"]}
        order = list(sides) if repeat % 2 == 0 else list(reversed(sides))
        pairs.append({side: run_probe(["dagbag", str(sides[side])], env, where) for side in order})
    return pairs


def task_start(where: Path, folders: dict[str, Path], n: int) -> float:
    env = {
        **environment(where, "kubernetes"),
        "_AIRFLOW_PARSING_CONTEXT_DAG_ID": f"bench_{n - 1:05d}",
        "_AIRFLOW_PARSING_CONTEXT_TASK_ID": "build",
    }
    runs = [run_probe(["dagbag", str(folders["ours"] / "automations.py")], env, where) for _ in range(REPEATS)]
    assert all(r[1]["dags"] == 1 for r in runs), runs
    return statistics.median(r[0] for r in runs)


def warm(cycles: list[dict]) -> float:
    return statistics.median(c["seconds"] for c in cycles[1:])


def summarize_processor(pairs: list[dict], n: int) -> dict:
    for pair in pairs:
        ours, hand = pair["ours"][0], pair["hand"][0]
        same = (ours["dags"], ours["tasks"]) == (hand["dags"], hand["tasks"])
        assert same and ours["dags"] == n and ours["errors"] == 0 == hand["errors"], (pair, pair.get("stderr"))
    return {
        "ours_cold_s": statistics.median(p["ours"][0]["seconds"] for p in pairs),
        "ours_warm_s": statistics.median(warm(p["ours"]) for p in pairs),
        "hand_s": statistics.median(warm(p["hand"]) for p in pairs),
        "cold_ratio": statistics.median(p["ours"][0]["seconds"] / warm(p["hand"]) for p in pairs),
        "warm_ratio": statistics.median(warm(p["ours"]) / warm(p["hand"]) for p in pairs),
        "tasks": pairs[0]["ours"][0]["tasks"],
    }


def summarize_fresh(pairs: list[dict], n: int) -> dict:
    for pair in pairs:
        assert pair["ours"][1]["dags"] == n == pair["hand"][1]["dags"], pair
    return {
        "ours_fresh_s": statistics.median(p["ours"][0] for p in pairs),
        "hand_fresh_s": statistics.median(p["hand"][0] for p in pairs),
        "fresh_ratio": statistics.median(p["ours"][0] / p["hand"][0] for p in pairs),
    }


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench{n}-") as tmp:
        where = Path(tmp)
        folders = prepare(n, where)
        row: dict = {"n": n}
        for backend in BACKENDS:
            row[backend] = summarize_processor(processor_pair(where, folders, backend), n)
            if FRESH:
                row[backend].update(summarize_fresh(fresh_pair(where, folders, backend), n))
        row["task_start_s"] = task_start(where, folders, n)
    return row


def print_table(rows: list[dict]) -> None:
    head = (
        f"{'backend':<11}{'N':>5} {'tasks':>6} | {'processor: ours warm':>20} {'cold':>6} {'hand':>6} "
        f"{'ratio':>6} {'cold':>6} | {'fresh: ours':>11} {'hand':>6} {'ratio':>6}"
    )
    print(head)
    for backend in BACKENDS:
        for r in rows:
            b = {"ours_fresh_s": float("nan"), "hand_fresh_s": float("nan"), "fresh_ratio": float("nan"), **r[backend]}
            print(
                f"{backend:<11}{r['n']:>5} {b['tasks']:>6} | {b['ours_warm_s']:>20.2f} {b['ours_cold_s']:>6.2f} "
                f"{b['hand_s']:>6.2f} {b['warm_ratio']:>6.2f} {b['cold_ratio']:>6.2f} | "
                f"{b['ours_fresh_s']:>11.2f} {b['hand_fresh_s']:>6.2f} {b['fresh_ratio']:>6.2f}"
            )
    first = rows[0]["task_start_s"]
    for r in rows:
        print(
            f"task start N={r['n']:<5} {r['task_start_s']:.2f} s  ({r['task_start_s'] / first:.2f}x N={rows[0]['n']})"
        )


def main() -> int:
    print(f"sizes {SIZES}, {REPEATS} fresh processes each, {CYCLES} parse cycles per processor", flush=True)
    rows = []
    for n in SIZES:
        rows.append(measure(n))
        print(json.dumps(rows[-1]), flush=True)
    print_table(rows)
    large = [r for r in rows if r["n"] >= 1000]
    for r in large:
        print(f"goal N={r['n']}: kubernetes warm ratio {r['kubernetes']['warm_ratio']:.2f} (<= 1.15)")
    print(f"goal task start: {rows[-1]['task_start_s'] / rows[0]['task_start_s']:.2f}x N={rows[0]['n']} (<= 1.10)")
    print(json.dumps({"rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
