"""The Models view's test world in a running Airflow: three automations, each with one real (finished) run that is
the newest run of a seeded 30-build history in the server's own analytics store."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.airflow_server import AirflowServer
from tests.support.history import Expected, seed, seed_trigger_checks

NAMES = ["mv_churn", "mv_fraud", "mv_ranker"]
DEFINITION = """\
name: {name}
model_id: {name}_model
is_enabled: false
trigger: {{cron: "0 4 * * *"}}
action:
  build_spec: {{git_uri: "https://git.example.com/models.git#{name}"}}
  deployment_condition: {{metric_name: f1_score, threshold: "0.8"}}
"""


def _real_run(server: AirflowServer, dag_id: str) -> str:
    # The DAG is created paused (is_enabled: false), so the queued run never starts; marking it done makes a
    # real, finished run to link to.
    status, run = server.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
    assert status == 200, run
    status, body = server.request("PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}", {"state": "success"})
    assert status == 200, body
    return run["dag_run_id"]


def seed_models_view(server: AirflowServer, definitions: Path, state: Path) -> tuple[Expected, dict[str, str]]:
    for name in NAMES:
        (definitions / f"{name}.yaml").write_text(DEFINITION.format(name=name))
    for name in NAMES:
        server.wait_for(lambda n=name: server.request("GET", f"/api/v2/dags/{n}")[0] == 200, f"DAG {name}", 120)
    runs = {name: _real_run(server, name) for name in NAMES}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
        mp.setenv("AUTOMATIONS_STATE_DIR", str(state))
        from automations.analytics import open_store
        from automations.analytics.connection import dispose_engines
        from automations.settings import get_settings

        store = open_store(get_settings())
        expected = seed(store, NAMES, builds=[12, 8, 10], last_run_ids=runs)
        seed_trigger_checks(store, "mv_fraud", [0.9, 0.85, 0.7, 0.75, 0.9, 0.6], threshold=0.8)
        dispose_engines()
    return expected, runs
