"""The Models view's JSON API in a real ``airflow standalone``, behind Airflow's login.

The analytics store (the embedded SQLite of the server's state folder) is seeded with 30 builds of three
automations through the store's own write API; each automation also has one real Airflow run, the newest of its
history, so links lead to runs that exist. The page itself is driven in Chromium in tests/integration/ui/.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from tests.support.history import THRESHOLD
from tests.support.models_view import NAMES, seed_models_view

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def seeded(airflow):
    return seed_models_view(airflow, airflow.home.parent / "definitions", airflow.home / "state")


def _get(airflow, path: str, token: str | None) -> tuple[int, dict | str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{airflow.url}{path}", headers=headers), timeout=30) as r:
            body = r.read().decode()
            return r.status, json.loads(body) if r.headers.get_content_type() == "application/json" else body
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_anonymous_requests_are_refused(airflow):
    assert _get(airflow, "/models/api/automations", None)[0] == 401
    assert _get(airflow, "/models/api/automations/mv_churn", None)[0] == 401
    status, page = _get(airflow, "/models/", None)
    assert status == 401 and "please log in" in str(page)
    assert _get(airflow, "/models/api/automations", "not-a-jwt")[0] in (401, 403)


def test_overview_api_lists_each_automation_with_its_deployed_build_and_last_run(airflow, seeded):
    expected, runs = seeded
    status, body = _get(airflow, "/models/api/automations", airflow.token)
    assert status == 200 and body["analytics"]["ok"] is True
    rows = {row["automation"]: row for row in body["automations"]}
    assert set(NAMES) <= set(rows)
    for name in NAMES:
        row = rows[name]
        assert [d["build_id"] for d in row["deployed"]] == [expected.deployed_build[name]]
        assert row["last_run"]["run_id"] == runs[name]
        assert row["last_run"]["result"] == expected.last_result[name]
        assert row["last_run"]["url"] == f"/dags/{name}/runs/{urllib.request.quote(runs[name], safe='')}"
        assert row["paused"] is True and row["next_run"] is None
    assert "ghp_this-must-never-show" not in json.dumps(body)


def test_detail_api_has_series_with_thresholds_builds_and_rollbacks(airflow, seeded):
    expected, _ = seeded
    status, body = _get(airflow, "/models/api/automations/mv_fraud", airflow.token)
    assert status == 200
    assert len(body["builds"]) == 8 and body["metrics"] == ["accuracy", "f1_score"]
    series = body["series"]["f1_score"]
    assert len(series["value"]) == 7  # the failed build logged nothing
    assert set(series["threshold"]) == {THRESHOLD}
    assert sum(series["deployed"]) == sum(1 for b in body["builds"] if b["deployed"])
    assert {d["status"] for d in body["deploys"]} == {"deployed", "rolled_back"}
    trigger = body["trigger"]
    assert trigger["value"] == [0.9, 0.85, 0.7, 0.75, 0.9, 0.6] and set(trigger["threshold"]) == {0.8}
    assert trigger["fired"] == [False, False, True, False, False, True]  # re-armed only after recovering
    assert _get(airflow, "/models/api/automations/nobody", airflow.token)[0] == 404
