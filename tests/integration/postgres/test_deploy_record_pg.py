"""deploy's `deployments` rows and the build task's callbacks, written to real PostgreSQL.

The deploy backend is replaced by a fake at the backend boundary (``backend_module``): what is under test is
the recording around it, not the backend.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from automations.backends.errors import DeployFailed, RolledBack
from automations.runs import BuildResult, DeployResult, DeployTarget, ImageResult
from automations.settings import get_settings
from automations.steps import deploy as deploy_step
from automations.tasks import build_callbacks

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

BUILD = BuildResult(metrics={"f1": 0.9}, build_id="churn-abc-123", commit="a" * 40, artifact_uri="file:///x")


def _fake_backend(monkeypatch, deploy):
    monkeypatch.setattr(deploy_step, "backend_module", lambda backend, role: SimpleNamespace(deploy=deploy))


def _deployments(store) -> list[tuple]:
    return store.fetch(
        "SELECT automation, model_id, variation, environment, build_id, target, status, dag_run_id FROM deployments "
        "ORDER BY id"
    )


def test_fake_backend_deploy_records_one_row_per_environment(analytics_env, automation_factory, monkeypatch):
    _fake_backend(monkeypatch, lambda *a: DeployResult(endpoint="http://127.0.0.1:9001"))
    automation = automation_factory(environments=["staging", "prod"], variation_name="blue")
    result = deploy_step.run_deploy(automation, BUILD, None, "run-1", get_settings())
    # The step returns the backend's result plus the tests/it/ outcome (a skip, since this backend reported none).
    assert result.model_copy(update={"integration_tests": None}) == DeployResult(endpoint="http://127.0.0.1:9001")
    assert result.integration_tests is not None and result.integration_tests.status == "skipped"
    assert result.integration_tests.reason == "the deploy reported no tests/it/ outcome"
    assert _deployments(analytics_env) == [
        ("churn", "churn_model", "blue", "staging", "churn-abc-123", "http://127.0.0.1:9001", "deployed", "run-1"),
        ("churn", "churn_model", "blue", "prod", "churn-abc-123", "http://127.0.0.1:9001", "deployed", "run-1"),
    ]


def test_fake_backend_targets_list_and_image_are_recorded(analytics_env, automation_factory, monkeypatch):
    from automations.analytics import BuildRow, BuildStatus, RunKey

    key = RunKey("churn", "churn_model", "run-2", "churn-abc-123")
    analytics_env.record_build(BuildRow(key, BuildStatus.succeeded))
    targets = (DeployTarget(environment="eu", endpoint="svc/eu"), DeployTarget(environment="us", endpoint="svc/us"))
    _fake_backend(monkeypatch, lambda *a: DeployResult(endpoint="svc/eu", targets=targets))
    image = ImageResult(image="localhost:5000/churn_model:aaaaaaaaaaaa", pushed=True)
    deploy_step.run_deploy(automation_factory(), BUILD, image, "run-2", get_settings())
    assert [(r[3], r[5]) for r in _deployments(analytics_env)] == [("eu", "svc/eu"), ("us", "svc/us")]
    assert analytics_env.fetch("SELECT image FROM builds") == [("localhost:5000/churn_model:aaaaaaaaaaaa",)]


@pytest.mark.parametrize(
    ("error", "status"), [(RolledBack("restored"), "rolled_back"), (DeployFailed("unhealthy"), "failed")]
)
def test_fake_backend_failure_is_recorded_then_reraised(analytics_env, automation_factory, monkeypatch, error, status):
    def deploy(*args):
        raise error

    _fake_backend(monkeypatch, deploy)
    with pytest.raises(type(error)):
        deploy_step.run_deploy(automation_factory(), BUILD, None, "run-3", get_settings())
    assert _deployments(analytics_env) == [
        ("churn", "churn_model", "default", "default", "churn-abc-123", None, status, "run-3")
    ]


class FakeTaskInstance:
    """Stands in for Airflow's RuntimeTaskInstance: only xcom_pull and start_date are used by the callbacks."""

    def __init__(self, xcoms: dict):
        self.xcoms = xcoms
        self.start_date = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def xcom_pull(self, task_ids: str):
        return self.xcoms.get(task_ids)


def test_build_callbacks_record_success_with_metrics(analytics_env, automation_factory):
    on_success, _ = build_callbacks(automation_factory(), get_settings)
    build = {**BUILD.to_xcom(), "metrics": {"f1": 0.9, "auc": 1, "note": "text is skipped"}}
    on_success({"ti": FakeTaskInstance({"build": build, "clone": {"commit": "a" * 40}}), "run_id": "run-ok"})
    assert analytics_env.fetch('SELECT build_id, status, "commit", artifact, started FROM builds') == [
        ("churn-abc-123", "succeeded", "a" * 40, "file:///x", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    ]
    assert analytics_env.fetch("SELECT metric_name, value FROM build_metrics ORDER BY metric_name") == [
        ("auc", 1.0), ("f1", 0.9)
    ]


def test_build_callbacks_record_failure_with_the_clone_commit(analytics_env, automation_factory):
    from automations.ids import build_id

    _, on_failure = build_callbacks(automation_factory(), get_settings)
    on_failure({"ti": FakeTaskInstance({"clone": {"commit": "b" * 40}}), "run_id": "run-bad"})
    assert analytics_env.fetch('SELECT build_id, status, "commit", dag_run_id FROM builds') == [
        (build_id("churn", "b" * 40, "run-bad"), "failed", "b" * 40, "run-bad")
    ]
    assert analytics_env.fetch("SELECT count(*) FROM build_metrics") == [(0,)]


def test_build_callback_write_error_is_logged_loudly_not_raised(automation_factory, pg_server, monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW_CONN_MODEL_ANALYTICS", pg_server.uri("no_such_database_here"))
    on_success, _ = build_callbacks(automation_factory(), get_settings)
    with caplog.at_level(logging.ERROR, logger="automations.steps.record"):
        on_success({"ti": FakeTaskInstance({"build": BUILD.to_xcom()}), "run_id": "run-lost"})
    assert "ANALYTICS WRITE FAILED" in caplog.text and "run-lost" in caplog.text
    assert "no_such_database_here" in caplog.text  # the traceback says why
