"""Hostile definition files, one at a time beside the valid fixtures, then all together through Airflow's DagBag."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fuzz.adversarial import CASES, HUGE_DESCRIPTION
from tests.fuzz.harness import check_fuzzed_file, valid_folder
from tests.support.definitions import VALID_NAMES

pytestmark = [pytest.mark.unit, pytest.mark.fuzz]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return valid_folder(tmp_path_factory.mktemp("adversarial"))


@pytest.fixture(autouse=True)
def short_python_timeout(monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_PYTHON_DEFINITION_TIMEOUT", "1")


def _bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_file_is_its_own_error_and_the_valid_ones_stay(folder, case):
    file_name, content, says = CASES[case]
    result = check_fuzzed_file(folder, file_name, _bytes(content), "hand-made hostile file")
    [error] = result.errors
    assert error.file.endswith(file_name) and says in str(error), str(error)[:300]


def test_a_one_megabyte_description_loads(folder):
    file_name, content = HUGE_DESCRIPTION
    result = check_fuzzed_file(folder, file_name, _bytes(content), "hand-made hostile file")
    assert result.errors == [] and "adversarial_ok" in result.by_name()


def test_all_hostile_files_together_in_airflow_keep_every_valid_dag(tmp_path, monkeypatch):
    """The DagBag runs both DAG files under Airflow's own import timeout: no hostile file may cost a valid DAG."""
    from airflow.dag_processing.dagbag import DagBag

    folder = valid_folder(tmp_path)
    for file_name, content, _ in CASES.values():
        (folder / file_name).write_bytes(_bytes(content))
    monkeypatch.setenv("AUTOMATIONS_DIR", str(folder))
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert set(bag.dag_ids) == VALID_NAMES
    [(file, message)] = bag.import_errors.items()
    assert file.endswith("automation_errors.py")
    for file_name, _, says in CASES.values():
        [line] = [line for line in message.splitlines() if f"{file_name}: " in line]
        assert says in line, line[:300]


def test_hanging_files_past_airflows_import_budget_are_reported_not_run(tmp_path, monkeypatch):
    """Three hanging files would outlast dagbag_import_timeout; the last are not run, so the YAML DAGs survive.

    Python files after the budget is spent are not run either (python_defs.py sorts after hangs_*.py here), and
    say so: degraded, but named, instead of Airflow's timeout removing every DAG of the file.
    """
    from airflow.dag_processing.dagbag import DagBag

    folder = valid_folder(tmp_path)
    for index in range(3):
        (folder / f"hangs_{index}.py").write_text("while True:\n    pass\n")
    monkeypatch.setenv("AUTOMATIONS_DIR", str(folder))
    monkeypatch.setenv("AUTOMATIONS_PYTHON_DEFINITION_TIMEOUT", "1.5")
    monkeypatch.setenv("AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT", "5")
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    python_names = {"python_listed", "python_weekly"}
    assert set(bag.dag_ids) == VALID_NAMES - python_names
    [message] = bag.import_errors.values()
    assert "hangs_0.py: <definition>: still running after 1.5s" in message
    for name in ("hangs_2.py", "python_defs.py"):
        assert f"{name}: <definition>: not run: the DAG file's import timeout is nearly spent" in message
