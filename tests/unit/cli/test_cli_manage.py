"""`register`, `delete`, `run` and `executions` as users run them: files in AUTOMATIONS_DIR, messages, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.support.history import commit_of, f1_of, seed

from automations.__main__ import main

pytestmark = pytest.mark.unit

DEFINITION = """\
name: {name}
model_id: {model}
trigger: none
action:
  build_spec: {{git_uri: "https://git.example.com/models.git#{name}"}}
"""


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "automations"
    target.mkdir()
    monkeypatch.setenv("AUTOMATIONS_DIR", str(target))
    monkeypatch.setenv("AUTOMATIONS_PARSE_CACHE", "false")
    return target


def _file(path: Path, name: str, model: str = "m") -> Path:
    path.write_text(DEFINITION.format(name=name, model=model))
    return path


def cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_register_validates_and_copies_the_file(folder, tmp_path, capsys):
    source = _file(tmp_path / "churn.yaml", "churn")
    code, out, err = cli(capsys, "register", "-p", str(source))
    assert code == 0, err
    assert (folder / "churn.yaml").read_text() == source.read_text()
    assert out.strip() == f"registered churn -> {folder / 'churn.yaml'}"
    assert not list(folder.glob(".register-*"))  # the atomic copy's temporary file is gone


def test_register_refuses_an_existing_name_unless_forced(folder, tmp_path, capsys):
    _file(folder / "old_name.yaml", "churn", model="old")
    source = _file(tmp_path / "churn.yaml", "churn", model="new")
    code, _out, err = cli(capsys, "register", "-p", str(source))
    assert code == 1 and "already registered: churn (in" in err and "pass --force" in err
    assert not (folder / "churn.yaml").exists()
    code, out, err = cli(capsys, "register", "-p", str(source), "--force")
    assert code == 0, err
    assert not (folder / "old_name.yaml").exists()  # the file that defined the name is replaced
    assert "model_id: new" in (folder / "churn.yaml").read_text() and "removed" in out


def test_register_never_overwrites_a_file_that_defines_something_else(folder, tmp_path, capsys):
    _file(folder / "churn.yaml", "other")
    source = _file(tmp_path / "churn.yaml", "churn")
    code, _out, err = cli(capsys, "register", "-p", str(source))
    assert code == 1 and f"file {folder / 'churn.yaml'}" in err
    code, _out, err = cli(capsys, "register", "-p", str(source), "--force")
    assert code == 1 and "also defines other" in err  # --force replaces names, it never drops other automations
    assert "name: other" in (folder / "churn.yaml").read_text()


def test_register_force_never_drops_other_automations_of_a_shared_file(folder, tmp_path, capsys):
    both = DEFINITION.format(name="churn", model="m") + "---\n" + DEFINITION.format(name="fraud", model="m")
    (folder / "pair.yaml").write_text(both)
    source = _file(tmp_path / "churn.yaml", "churn")
    code, _out, err = cli(capsys, "register", "-p", str(source), "--force")
    assert code == 1 and "also defines fraud" in err
    assert (folder / "pair.yaml").read_text() == both and not (folder / "churn.yaml").exists()


def test_register_reports_problems_against_the_users_file_and_copies_nothing(folder, tmp_path, capsys):
    source = tmp_path / "bad.yaml"
    source.write_text(
        DEFINITION.format(name="bad", model="m") + "  deployment_condition: {metric_name: f1, threshold: 0.8}\n"
    )
    code, _out, err = cli(capsys, "register", "-p", str(source))
    assert code == 1
    assert f"{source}: action.deployment_condition.0.threshold: threshold must be a string" in err
    assert "nothing registered: 1 problem(s)" in err and list(folder.iterdir()) == []


def test_register_validates_with_the_target_folders_defaults(folder, tmp_path, capsys):
    # The file alone lacks model_id; AUTOMATIONS_DIR's _defaults.yaml supplies it, as the DAG processor will.
    (folder / "_defaults.yaml").write_text("model_id: from_defaults\n")
    source = tmp_path / "partial.yaml"
    source.write_text("name: partial\ntrigger: none\naction:\n  build_spec: {git_uri: 'https://h.example/r.git'}\n")
    code, _out, err = cli(capsys, "register", "-p", str(source))
    assert code == 0, err
    (folder / "_defaults.yaml").unlink()
    (folder / "partial.yaml").unlink()
    code, _out, err = cli(capsys, "register", "-p", str(source))
    assert code == 1 and "model_id" in err


def test_register_a_folder_keeps_its_layout(folder, tmp_path, capsys):
    (tmp_path / "src" / "team").mkdir(parents=True)
    _file(tmp_path / "src" / "a.yaml", "a")
    _file(tmp_path / "src" / "team" / "b.yaml", "b")
    code, out, err = cli(capsys, "register", "-p", str(tmp_path / "src"))
    assert code == 0, err
    assert (folder / "a.yaml").exists() and (folder / "team" / "b.yaml").exists()
    assert out.count("registered ") == 2


def test_register_missing_path_is_a_clear_error(folder, capsys):
    code, _out, err = cli(capsys, "register", "-p", "no/such.yaml")
    assert code == 1 and err.strip() == "register: no/such.yaml: no such file or directory"


def test_delete_removes_the_defining_file(folder, capsys):
    _file(folder / "anything.yaml", "churn")
    _file(folder / "keep.yaml", "fraud")
    code, out, err = cli(capsys, "delete", "churn")
    assert code == 0, err
    assert not (folder / "anything.yaml").exists() and (folder / "keep.yaml").exists()
    assert f"deleted churn: removed {folder / 'anything.yaml'}" in out


def test_delete_unknown_name_and_shared_file_are_refused(folder, capsys):
    both = DEFINITION.format(name="churn", model="m") + "---\n" + DEFINITION.format(name="fraud", model="m")
    (folder / "pair.yaml").write_text(both)
    code, _out, err = cli(capsys, "delete", "nobody")
    assert code == 1 and "no valid automation named 'nobody'" in err
    code, _out, err = cli(capsys, "delete", "churn")
    assert code == 1 and "also defines fraud" in err and (folder / "pair.yaml").read_text() == both


def test_run_refuses_a_bad_branch_before_calling_airflow(capsys):
    code, _out, err = cli(capsys, "run", "churn", "--branch=--upload-pack=evil")
    assert code == 1 and "is not a branch name" in err


def test_run_with_an_unreachable_server_says_so(monkeypatch, capsys):
    from tests.support.airflow_server import free_port

    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AUTOMATIONS_AIRFLOW_URL", url)
    monkeypatch.setenv("AUTOMATIONS_AIRFLOW_TOKEN", "t")
    code, _out, err = cli(capsys, "run", "churn")
    assert code == 1 and f"cannot reach Airflow at {url}" in err


def test_run_with_a_server_but_no_credentials_says_what_to_set(monkeypatch, capsys):
    monkeypatch.setenv("AUTOMATIONS_AIRFLOW_URL", "http://127.0.0.1:9")
    code, _out, err = cli(capsys, "run", "churn")
    assert code == 1 and "AUTOMATIONS_AIRFLOW_USERNAME and AUTOMATIONS_AIRFLOW_PASSWORD" in err


@pytest.fixture()
def seeded(monkeypatch, tmp_path):
    from automations.analytics import open_store
    from automations.analytics.connection import dispose_engines
    from automations.analytics.store import _SCHEMA_READY
    from automations.settings import get_settings

    monkeypatch.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    seed(open_store(get_settings()), ["churn", "ranker"], builds=[5, 3])
    yield
    dispose_engines()
    _SCHEMA_READY.clear()


def test_executions_lists_recent_runs_newest_first(seeded, capsys):
    code, out, err = cli(capsys, "executions", "churn", "--limit", "4")
    assert code == 0, err
    header, *rows = out.strip().splitlines()
    assert header.split() == ["RUN", "STATUS", "COMMIT", "METRICS", "VERDICT", "DEPLOYED", "FINISHED"]
    assert len(rows) == 4
    newest = rows[0].split()
    assert newest[1] == "failed" and newest[2] == commit_of("churn", 4)[:12] and newest[3] == "-"  # build 4 failed
    build3 = rows[1].split()
    assert build3[2] == commit_of("churn", 3)[:12] and f"f1_score={f1_of(0, 3):g}" in build3
    assert build3[-3:-1] == ["passed", "yes"]


def test_executions_json_has_metrics_verdict_and_deploy(seeded, capsys):
    code, out, _err = cli(capsys, "executions", "ranker", "--json")
    assert code == 0
    runs = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["build_id"] for r in runs] == ["ranker-b0002", "ranker-b0001", "ranker-b0000"]
    below = runs[0]  # build 2 of every automation falls below the gate's threshold
    assert below["verdict"] == "failed" and below["deployed"] is False and below["metrics"]["f1_score"] < 0.8
    assert (
        runs[1]["verdict"] == "passed" and runs[1]["deployed"] is True and runs[1]["commit"] == commit_of("ranker", 1)
    )


def test_executions_of_an_unknown_automation_is_an_error(seeded, capsys):
    code, _out, err = cli(capsys, "executions", "nobody")
    assert code == 1 and err.strip() == "no recorded runs of 'nobody'"
