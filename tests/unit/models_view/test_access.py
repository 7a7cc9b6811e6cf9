"""The Models view's routes ask Airflow's auth manager which DAGs the caller may read, and show no other.

The auth manager here is a fake that grants one DAG; the login itself is tested against a real api-server in
tests/integration/airflow_api/test_models_view.py.
"""

from __future__ import annotations

import pytest
from tests.support.history import seed

from automations.analytics import open_store
from automations.models_view import app as view
from automations.models_view.airflow_state import DagState
from automations.settings import get_settings

pytestmark = pytest.mark.unit
NAMES = ["churn", "fraud", "ranker"]


class FakeAuthManager:
    def __init__(self, readable: set[str]):
        self.readable = readable
        self.asked: list[tuple[object, str]] = []

    def get_authorized_dag_ids(self, *, user, method="GET"):
        self.asked.append((user, method))
        return self.readable


@pytest.fixture()
def client(sqlite_env, monkeypatch):
    from fastapi.testclient import TestClient

    store = open_store(get_settings())
    seed(store, NAMES, builds=[3, 3, 3])
    manager = FakeAuthManager({"churn"})
    monkeypatch.setattr("airflow.api_fastapi.app.get_auth_manager", lambda: manager)

    def dags(dag_ids=None):
        wanted = NAMES if dag_ids is None else [n for n in NAMES if n in set(dag_ids)]
        return {n: DagState(n, False, ("automation",), None, None, None, ()) for n in wanted}

    monkeypatch.setattr(view.airflow_state, "automation_dags", dags)
    monkeypatch.setattr(view.airflow_state, "branches_of_runs", lambda dag_id, run_ids: {})
    view.app.dependency_overrides[view._user] = lambda: "viewer-user"
    yield TestClient(view.app), manager
    view.app.dependency_overrides.clear()


def test_overview_lists_only_the_dags_the_auth_manager_grants(client):
    http, manager = client
    body = http.get("/api/automations").json()
    assert [row["automation"] for row in body["automations"]] == ["churn"]
    assert manager.asked == [("viewer-user", "GET")]


def test_detail_of_a_dag_the_user_may_not_read_is_not_found(client):
    http, _ = client
    assert http.get("/api/automations/fraud").status_code == 404
    granted = http.get("/api/automations/churn")
    assert granted.status_code == 200 and len(granted.json()["builds"]) == 3


def test_an_unreachable_store_is_explained_with_the_connection_id_only(client, monkeypatch):
    http, _ = client
    monkeypatch.setenv("AIRFLOW_CONN_MODEL_ANALYTICS", "postgresql://u:s3cret-pw@127.0.0.1:1/none")
    from automations.analytics import retry
    from automations.analytics.connection import dispose_engines

    dispose_engines()
    waits: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", waits.append)
    response = http.get("/api/automations")
    body = response.json()
    assert waits == []  # the page does not sit out the builds' write-retry window (30 s) before it answers
    assert response.status_code == 200 and body["analytics"]["ok"] is False
    assert "model_analytics" in body["analytics"]["error"] and "s3cret-pw" not in response.text
    assert [row["automation"] for row in body["automations"]] == ["churn"]  # the page still lists what it can
