"""The run contract: typed results survive the XCom round trip, old and newer XComs still read, bad ones are named."""

from __future__ import annotations

import json

import pytest

from automations.runs import (
    XCOM_VERSION,
    BuildResult,
    CloneResult,
    DeployResult,
    DeployTarget,
    ImageResult,
    RunContractError,
    TaskId,
)

pytestmark = pytest.mark.unit

SHA = "0123456789abcdef0123456789abcdef01234567"
RESULTS = [
    CloneResult(commit=SHA, source_uri="file:///s.tar.gz", branch="main", repo="https://h/r.git", subdir="m"),
    BuildResult(metrics={"f1": 0.9}, build_id="b1", artifact_uri="file:///a", commit=SHA, tests={"passed": 2}),
    ImageResult(image="reg/m:0123456789ab", pushed=True, build_id="b1", size_bytes=10, digest="sha256:x"),
    DeployResult(endpoint="http://e", build_id="b1", targets=(DeployTarget(environment="eu", endpoint="http://e"),)),
]


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: type(r).__name__)
def test_round_trip_through_json(result):
    xcom = json.loads(json.dumps(result.to_xcom()))  # what Airflow stores and the UI shows
    assert xcom["version"] == XCOM_VERSION
    assert type(result).from_xcom(xcom) == result


def test_an_older_xcom_without_later_fields_still_reads():
    old = {"metrics": {"f1": 1}, "build_id": "b", "artifact_uri": "file:///a", "commit": SHA}  # no version, no tests
    build = BuildResult.from_xcom(old)
    assert (build.tests, build.build_image, build.version) == ({}, None, 1)


def test_a_newer_xcom_with_unknown_fields_still_reads():
    newer = {**RESULTS[0].to_xcom(), "version": XCOM_VERSION + 1, "signed_by": "someone"}
    assert CloneResult.from_xcom(newer).commit == SHA


def test_deploy_details_sit_beside_the_typed_fields():
    result = DeployResult(endpoint="http://h:1", details={"container": "abc", "port": 1})
    xcom = result.to_xcom()
    assert (xcom["endpoint"], xcom["container"], xcom["port"]) == ("http://h:1", "abc", 1)
    assert DeployResult.from_xcom(xcom) == result


@pytest.mark.parametrize(
    "cls, data, says",
    [
        (CloneResult, None, r"the clone task returned no result \(None\); expected at least \['commit', "),
        (CloneResult, {"commit": "main; rm -rf /", "source_uri": "x"}, "the clone task's result is not usable.*commit"),
        (BuildResult, {"metrics": {}}, "the build task's result is not usable.*build_id"),
        (DeployResult, [], "the deploy task returned no result"),
    ],
)
def test_unusable_results_name_the_task_and_the_field(cls, data, says):
    with pytest.raises(RunContractError, match=says):
        cls.from_xcom(data)


def test_results_are_frozen():
    with pytest.raises(ValueError):
        RESULTS[1].build_id = "other"  # type: ignore[misc]


def test_task_ids_are_the_documented_ones():
    expected = ["metric_trigger", "clone", "build", "push_image", "metric_gate", "deploy", "skip_deploy"]
    expected.append("batch_predict")  # a BatchExecution's one task
    assert [t.value for t in TaskId] == expected


def test_a_build_result_from_the_runtime_keeps_everything_the_runtime_reported():
    """Every backend builds its BuildResult through from_runtime: the runtime's fields are copied in one place
    (the kubernetes copy once dropped the install warnings)."""
    from model_runtime import contract

    runtime = contract.BuildResult.from_dict(
        {
            "metrics": {"f1": 0.9},
            "tests": {"passed": 3},
            "warnings": ["relaxed 'numpy=>1.20'"],
            "params": {"depth": 4},
            "api_schema": {"inputs": []},
            "python": "/venv/bin/python",
            "api_schema_v9": "a newer runtime's field",
            "artifact": None,
        }
    )
    assert runtime.artifact == contract.ARTIFACT_FILE  # a null is the default
    result = BuildResult.from_runtime(runtime, build_id="b-1", artifact_uri="file:///a", commit="c" * 40, python="p")
    assert result == BuildResult(
        metrics={"f1": 0.9},
        build_id="b-1",
        artifact_uri="file:///a",
        commit="c" * 40,
        tests={"passed": 3},
        warnings=["relaxed 'numpy=>1.20'"],
        params={"depth": 4},
        api_schema={"inputs": []},
        python="p",  # the backend's facts, not the runtime's
    )
