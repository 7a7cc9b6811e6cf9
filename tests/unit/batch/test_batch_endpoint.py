"""Which server a batch run uses, read from the analytics store as the deploy step writes it (embedded SQLite)."""

from __future__ import annotations

import pytest

from automations.analytics import DeploymentRow, DeployStatus, RunKey, open_store
from automations.batch.endpoint import NoServingModel, serving
from automations.settings import get_settings

pytestmark = pytest.mark.unit


@pytest.fixture()
def store(monkeypatch, tmp_path):
    from automations.analytics.connection import dispose_engines
    from automations.analytics.store import _SCHEMA_READY

    monkeypatch.delenv("AIRFLOW_CONN_MODEL_ANALYTICS", raising=False)
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(tmp_path / "state"))
    yield open_store(get_settings())
    dispose_engines()
    _SCHEMA_READY.clear()


def _deploy(store, build: str, status: DeployStatus, variation: str = "default", model: str = "churn") -> None:
    key = RunKey(f"{model}_auto", model, f"run-{build}", build)
    store.record_deployments([DeploymentRow(key, variation, "production", status, f"http://h/{build}")], key.dag_run_id)


def test_the_deployed_build_serves_and_a_rollback_never_replaces_it(store):
    _deploy(store, "b1", DeployStatus.deployed)
    _deploy(store, "b2", DeployStatus.rolled_back)
    _deploy(store, "x9", DeployStatus.deployed, model="other")
    found = serving(store, "churn")
    assert (found.build_id, found.endpoint, found.variation) == ("b1", "http://h/b1", "default")


def test_the_default_variation_is_preferred_and_a_named_build_must_be_serving(store):
    _deploy(store, "b1", DeployStatus.deployed)
    _deploy(store, "c1", DeployStatus.deployed, variation="challenger")
    assert serving(store, "churn").build_id == "b1"
    assert serving(store, "churn", build_id="c1").endpoint == "http://h/c1"
    _deploy(store, "b3", DeployStatus.deployed)  # b1 no longer serves
    with pytest.raises(NoServingModel, match=r"build 'b1' of 'churn' is not serving \(serving now: b3 \(default/"):
        serving(store, "churn", build_id="b1")


def test_a_model_never_deployed_is_a_clear_error(store):
    with pytest.raises(NoServingModel, match="model 'nobody' is not deployed"):
        serving(store, "nobody")
