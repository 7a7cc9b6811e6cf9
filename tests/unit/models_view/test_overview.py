"""The Models view's JSON shapes, from typed reads: last-run wording, run links, metric series and thresholds."""

from __future__ import annotations

import pytest

from automations.analytics.history import BuildEntry, Deployed, History, RunOutcome, Verdict
from automations.models_view.airflow_state import DagState
from automations.models_view.overview import history_payload, last_run, overview_rows, run_url

pytestmark = pytest.mark.unit


def _state(**changes) -> DagState:
    base = dict(
        dag_id="churn",
        paused=False,
        tags=("automation", "churn_model"),
        next_run="2026-12-02T04:00:00+00:00",
        last_run_id="manual__1",
        last_run_state="success",
        failed_tasks=(),
    )
    return DagState(**{**base, **changes})


def _build(run_id: str, build_id: str, f1: float | None, threshold: float | None, deployed: bool) -> BuildEntry:
    metrics = {} if f1 is None else {"f1_score": f1}
    verdicts = () if f1 is None else (Verdict("SqlThreshold", "f1_score", f1, "ABOVE", threshold, True, "", False),)
    return BuildEntry(
        run_id,
        build_id,
        "succeeded" if f1 is not None else "failed",
        "abc",
        None,
        None,
        None,
        metrics,
        verdicts,
        deployed,
    )


def test_run_links_point_at_airflow_runs_and_escape_ids():
    assert (
        run_url("", "churn", "manual__2026-12-01T10:00:00+00:00")
        == "/dags/churn/runs/manual__2026-12-01T10%3A00%3A00%2B00%3A00"
    )
    assert run_url("/airflow", "churn", None) is None


def test_a_failed_task_names_where_the_run_failed_even_if_the_store_recorded_a_build():
    recorded = RunOutcome("manual__1", "churn_model", "b1", "abc", "built", "no deploy recorded")
    run = last_run(_state(last_run_state="failed", failed_tasks=("deploy",)), recorded, "")
    assert (run["result"], run["reason"], run["url"]) == ("failed", "failed at deploy", "/dags/churn/runs/manual__1")


def test_the_store_verdict_is_used_only_for_the_same_run():
    skipped = RunOutcome("manual__0", "churn_model", "b0", "abc", "skipped", "f1 below 0.8")
    run = last_run(_state(), skipped, "")
    assert run["result"] == "success" and "nothing recorded" in run["reason"]
    same = RunOutcome("manual__1", "churn_model", "b1", "abc", "skipped", "f1 below 0.8")
    assert last_run(_state(), same, "")["result"] == "skipped"


def test_overview_rows_are_sorted_and_paused_automations_have_no_next_run():
    dags = {
        "zeta": _state(dag_id="zeta", paused=True, tags=("automation", "zeta_model"), last_run_id=None),
        "churn": _state(),
    }
    deployed = {"churn": [Deployed("default", "production", "b1", "abc", "http://127.0.0.1:9000", None)]}
    rows = overview_rows(dags, deployed, {}, "")
    assert [r["automation"] for r in rows] == ["churn", "zeta"]
    assert rows[0]["variations"] == ["default"] and rows[0]["deployed"][0]["endpoint"] == "http://127.0.0.1:9000"
    assert rows[1]["paused"] is True and rows[1]["next_run"] is None and rows[1]["last_run"] is None
    assert rows[1]["model_id"] == "zeta_model"  # from the DAG's tags before any build is recorded


def test_series_run_oldest_first_with_each_runs_own_sql_threshold_and_deploy_marks():
    history = History(
        builds=(
            _build("r3", "b3", 0.9, 0.85, True),
            _build("r2", "b2", None, None, False),
            _build("r1", "b1", 0.7, 0.75, False),
        ),
        deploys=(),
        metric_names=("f1_score",),
    )
    payload = history_payload("churn", _state(), history, {"r3": "main"}, "")
    series = payload["series"]["f1_score"]
    assert series == {
        "build_id": ["b1", "b3"],
        "finished": [None, None],
        "value": [0.7, 0.9],
        "threshold": [0.75, 0.85],
        "deployed": [False, True],
    }
    assert payload["builds"][0]["branch"] == "main" and payload["builds"][1]["branch"] is None
    assert payload["builds"][2]["url"] == "/dags/churn/runs/r1"
