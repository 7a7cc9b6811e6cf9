"""Run links: the commit's page on known git hosts, the one-line gate verdict, and the operator extra links that
each compiled DAG carries (serialized as Airflow stores them, so the UI shows them)."""

from __future__ import annotations

import pytest
from tests.support.automations import make_automation

from automations import run_links
from automations.links import commit_url, verdict_line

pytestmark = pytest.mark.unit

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("git_uri", "expected"),
    [
        ("https://github.com/acme/models.git#churn", f"https://github.com/acme/models/commit/{SHA}"),
        ("https://x-token:s3cret@github.com/acme/models", f"https://github.com/acme/models/commit/{SHA}"),
        ("git@github.com:acme/models.git", f"https://github.com/acme/models/commit/{SHA}"),
        ("ssh://git@gitlab.com/group/sub/models.git#a/b", f"https://gitlab.com/group/sub/models/-/commit/{SHA}"),
        ("https://bitbucket.org/acme/models.git", f"https://bitbucket.org/acme/models/commits/{SHA}"),
        ("https://GitHub.com/acme/models/", f"https://github.com/acme/models/commit/{SHA}"),
    ],
)
def test_commit_url_on_known_hosts(git_uri, expected):
    assert commit_url(git_uri, SHA) == expected
    assert "s3cret" not in expected


@pytest.mark.parametrize(
    ("git_uri", "commit"),
    [
        ("https://git.example.com/acme/models.git", SHA),  # unknown host: no guess at its web UI
        ("file:///srv/git/models.git#churn", SHA),
        ("/srv/git/models.git", SHA),
        ("https://github.com/acme", SHA),  # no repository path
        ("https://github.com/acme/models.git", None),
        ("https://github.com/acme/models.git", "not-a-sha; rm -rf /"),
    ],
)
def test_no_commit_url_without_a_known_host_repo_and_sha(git_uri, commit):
    assert commit_url(git_uri, commit) is None


def _condition(actual, passed, **extra):
    return {"metric_name": "f1_score", "symbol": ">", "actual": actual, "threshold": 0.9, "passed": passed, **extra}


def test_verdict_line_says_decision_and_each_comparison():
    assert verdict_line({"passed": True, "forced": False, "conditions": [_condition(0.9731, True)]}) == (
        "deploy: f1_score 0.9731 > 0.9"
    )
    failed = {"passed": False, "forced": False, "conditions": [_condition(0.85, False), _condition(0.95, True)]}
    assert verdict_line(failed) == "skip: f1_score 0.85 > 0.9 failed; f1_score 0.95 > 0.9"
    forced = {"passed": True, "forced": True, "conditions": [_condition(None, False, error="metric missing")]}
    assert verdict_line(forced) == "deploy (forced): f1_score ? > 0.9 error: metric missing"
    assert verdict_line({"passed": True, "forced": False, "conditions": []}) == "deploy: no conditions"
    assert verdict_line({}) == "no verdict (the gate did not run)"


class _Key:
    dag_id, task_id, run_id = "churn", "metric_gate", "manual__2026-12-01T10:00:00+00:00"


def test_links_read_their_task_xcom(monkeypatch):
    values = {"return_value": {"commit": SHA, "endpoint": "http://127.0.0.1:9001"}, "verdict_line": "deploy: x"}
    monkeypatch.setattr(run_links, "_xcom", lambda ti_key, key="return_value": values.get(key))
    link = run_links.CommitLink("https://github.com/acme/models.git#churn")
    assert link.get_link(None, ti_key=_Key()) == f"https://github.com/acme/models/commit/{SHA}"
    assert run_links.EndpointLink().get_link(None, ti_key=_Key()) == "http://127.0.0.1:9001"
    gate = run_links.GateVerdictLink().get_link(None, ti_key=_Key())
    assert gate.endswith("/dags/churn/runs/manual__2026-12-01T10%3A00%3A00%2B00%3A00/tasks/metric_gate/xcom")
    monkeypatch.setattr(run_links, "_xcom", lambda ti_key, key="return_value": None)  # the task failed early
    assert [link.get_link(None, ti_key=_Key()) for link in (run_links.EndpointLink(), run_links.GateVerdictLink())] == [
        "",
        "",
    ]


def test_compiled_dag_serializes_the_links_on_clone_gate_and_deploy():
    from airflow.serialization.serialized_objects import DagSerialization

    from automations.compiler import compile_dag
    from automations.settings import get_settings

    dag = compile_dag(make_automation(build_spec={"git_uri": "https://github.com/acme/m.git#x"}), get_settings())
    tasks = {t["__var"]["task_id"]: t["__var"] for t in DagSerialization.to_dict(dag)["dag"]["tasks"]}
    links = {task_id: task.get("_operator_extra_links") for task_id, task in tasks.items()}
    assert links["clone"] == {"Git commit": "_link_CommitLink"}
    assert links["metric_gate"] == {"Gate verdict": "_link_GateVerdictLink"}
    assert links["deploy"] == {"Deployed endpoint": "_link_EndpointLink"}
    assert links["build"] is None and links["skip_deploy"] is None
