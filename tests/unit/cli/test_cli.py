"""`python -m automations validate|list|render` as users run them: output format and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from tests.support.definitions import VALID_NAMES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "definitions"


def cli(*args: str, definitions: Path = FIXTURES / "valid", **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins"), "AUTOMATIONS_DIR": str(definitions), **env}
    return subprocess.run(
        [sys.executable, "-m", "automations", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_clean_folder_exits_0():
    done = cli("validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "6 automation(s) valid"


def test_validate_prints_one_file_path_reason_line_per_problem_and_exits_1():
    done = cli("validate", str(FIXTURES / "mixed"))
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 4
    assert (
        "tests/fixtures/definitions/mixed/bad_threshold.yaml: action.deployment_condition.0.threshold: "
        "threshold must be a string: Qwak's SDK would have sent 0.65 as text; "
        "here quote it ('0.65') or give a SQL query"
    ) in lines
    assert all(line.count(": ") >= 2 and line.startswith("tests/fixtures/definitions/mixed/") for line in lines)


def test_validate_missing_path_exits_1():
    done = cli("validate", "no/such/folder")
    assert done.returncode == 1 and "no/such/folder: <path>: no such file or directory" in done.stdout


def test_list_shows_each_automation_with_its_trigger():
    done = cli("list")
    assert done.returncode == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in done.stdout.strip().splitlines()}
    assert set(rows) == VALID_NAMES
    assert rows["churn_nightly"][3] == "on cron `0 2 * * *` (UTC)" and rows["hourly_gpu"][2] == "disabled"


def test_list_json_gives_each_automation_with_its_definition():
    done = cli("list", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert set(rows) == VALID_NAMES
    assert rows["hourly_gpu"]["is_enabled"] is False
    assert rows["churn_nightly"]["definition"]["trigger"]["cron"] == "0 2 * * *"


def test_render_prints_the_dag_and_the_kubernetes_objects():
    done = cli("render", "churn_nightly", "--backend", "kubernetes", AUTOMATIONS_REGISTRY="registry.example.com/ml")
    assert done.returncode == 0, done.stderr
    docs = list(yaml.safe_load_all(done.stdout))
    assert docs[0]["kind"] == "AirflowDag" and docs[0]["schedule"] == "0 2 * * *"
    assert [t["task_id"] for t in docs[0]["tasks"]] == [
        "clone",
        "build",
        "push_image",
        "metric_gate",
        "deploy",
        "skip_deploy",
    ]
    kinds = [d["kind"] for d in docs[1:]]
    assert kinds.count("Pod") == 2 and "Deployment" in kinds and "ScaledObject" in kinds


def test_render_on_the_local_backend_has_no_kubernetes_objects():
    done = cli("render", "manual_only", "--backend", "local")
    docs = list(yaml.safe_load_all(done.stdout))
    assert done.returncode == 0 and len(docs) == 1 and docs[0]["schedule"] == "None"


def test_render_unknown_name_exits_1_with_a_hint():
    done = cli("render", "nope")
    assert done.returncode == 1 and "no valid automation named 'nope'" in done.stderr
