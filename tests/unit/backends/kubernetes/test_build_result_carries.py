import pytest

from automations.backends.kubernetes.build import build_result
from automations.backends.kubernetes.build_pod import Identity

pytestmark = pytest.mark.unit


def test_the_pods_result_keeps_warnings_params_and_schema():
    # What the XCom sidecar reads: the runtime's result.json. The install warnings used to be dropped here.
    sidecar = {
        "metrics": {"f1_score": 0.9},
        "tests": {"passed": 2},
        "warnings": ["relaxed 'numpy=>1.20' to 'numpy': the pin cannot be written for pip"],
        "params": {"max_depth": 4},
        "api_schema": {
            "entities": [],
            "inputs": [{"kind": "ExplicitFeature", "name": "x", "type": "int"}],
            "outputs": [],
        },
    }
    result = build_result(sidecar, Identity(commit="c" * 40, build_id="churn-b1"), "churn", "s3://bucket/root")
    assert result.warnings == sidecar["warnings"]
    assert result.params == {"max_depth": 4}
    assert result.api_schema == sidecar["api_schema"]
    assert result.artifact_uri == "s3://bucket/root/churn/builds/churn-b1"
