"""Pure row builders: the deployments rows of a deploy outcome and the builds row of a build callback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from automations.analytics import BuildStatus, DeployStatus
from automations.ids import build_id
from automations.runs import DeployResult, DeployTarget
from automations.steps.deploy import deployment_rows
from automations.steps.record import build_row
from support.runs import build_result

pytestmark = pytest.mark.unit

BUILD = build_result({"f1": 0.9}, build_id="b1")


def _shape(rows):
    return [(r.key.build_id, r.variation, r.environment, r.target, r.status.value) for r in rows]


def test_one_row_for_the_automation_environment_when_none_listed(automation_factory):
    rows = deployment_rows(automation_factory(), BUILD, "run", DeployResult(endpoint="http://e"), DeployStatus.deployed)
    assert _shape(rows) == [("b1", "default", "default", "http://e", "deployed")]


def test_one_row_per_listed_environment(automation_factory):
    automation = automation_factory(environments=["a", "b"], variation_name="v2")
    rows = deployment_rows(automation, BUILD, "run", None, DeployStatus.rolled_back)
    assert _shape(rows) == [("b1", "v2", "a", None, "rolled_back"), ("b1", "v2", "b", None, "rolled_back")]


def test_backend_targets_win_over_environments(automation_factory):
    targets = (DeployTarget(environment="eu", endpoint="t1"), DeployTarget(endpoint="t2"))
    result = DeployResult(endpoint="x", targets=targets)
    rows = deployment_rows(automation_factory(environments=["a"]), BUILD, "run", result, DeployStatus.deployed)
    assert _shape(rows) == [("b1", "default", "eu", "t1", "deployed"), ("b1", "default", "default", "t2", "deployed")]


def test_build_row_of_a_success_keeps_numeric_metrics_only(automation_factory):
    metrics = {"f1": 0.9, "n": 3, "flag": True, "txt": "x", "nan": float("nan")}
    build = build_result(metrics, build_id="b1", commit="c1", artifact_uri="file:///a", build_image="img")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row, metrics = build_row(automation_factory(), "run", build, "other", BuildStatus.succeeded, now, now)
    # The builds row's image is the serving image, which the deploy sets; the image a build ran in is not it.
    assert (row.key.build_id, row.commit, row.artifact, row.image, row.status) == (
        "b1", "c1", "file:///a", None, BuildStatus.succeeded
    )
    assert metrics == {"f1": 0.9, "n": 3.0}


def test_build_row_of_a_failure_takes_the_clone_commit(automation_factory):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    row, metrics = build_row(automation_factory(), "run-9", None, "abc", BuildStatus.failed, None, now)
    assert (row.key.build_id, row.commit, metrics) == (build_id("churn", "abc", "run-9"), "abc", {})
    row, _ = build_row(automation_factory(), "run-9", None, None, BuildStatus.failed, None, now)
    assert (row.key.build_id, row.commit) == (None, None)
