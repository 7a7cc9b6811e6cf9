"""Models written against the real qwak-core 0.7 / frogml 2.1: the @api adapters change what predict() gets and
what the server answers exactly as the library's own run_local does; log_param, log_data (local mode) and
schema() go into the build's result.

model_library_probe.py runs in each SDK's cached venv (tests/support/sdk_venvs.py) with plugins/ on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent
PLUGINS = HERE.parents[2] / "plugins"


@pytest.fixture(scope="module", params=["qwak", "frogml"])
def probe(request, sdk_pythons) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_IS_RUN_LOCAL")}
    env["PYTHONPATH"] = str(PLUGINS)
    done = subprocess.run(
        [str(sdk_pythons[request.param]), str(HERE / "model_library_probe.py"), request.param],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_json_adapters_give_predict_the_parsed_body_and_answer_its_value_unwrapped(probe):
    case = probe["json"]
    assert case["answer"] == {"n": 3, "total": 6} == case["library"]
    assert case["mergeable"] is False  # a JSON body is one request: never merged with others


def test_dataframe_output_adapter_orient_is_applied(probe):
    case = probe["split"]
    assert case["answer"] == {"columns": ["doubled"], "index": [0, 1], "data": [[2], [10]]}
    assert case["answer"] == case["library"]


def test_string_input_adapter_passes_the_text(probe):
    case = probe["text"]
    assert case["answer"] == "HELLO" == case["library"]


def test_default_decorator_answers_records_like_the_library(probe):
    case = probe["default"]
    assert case["answer"] == [{"x": 2}, {"x": 6}] == case["library"]
    assert case["mergeable"] is True


def test_an_undecorated_predict_keeps_the_servers_list(probe):
    assert probe["plain"]["answer"] == [2, 6]


def test_log_param_lands_in_params_beside_metrics_and_log_data_stays_local(probe):
    assert probe["metrics"] == {"f1_score": 0.8}
    assert probe["params"] == {"from_spec": "yes", "depth": 3, "optimizer": "adam"}


def test_schema_is_serialized_by_the_library_and_described(probe):
    assert probe["schema_warnings"] == []
    inputs, outputs = probe["schema"]["inputs"], probe["schema"]["outputs"]
    assert inputs == [{"kind": "ExplicitFeature", "name": "items", "type": "int"}]
    assert outputs == [{"kind": "InferenceOutput", "name": "total", "type": "float"}]


def test_a_feature_store_schema_is_a_warning_not_a_hang(probe):
    # The libraries' ModelSchema asks Qwak's server for the environment (gRPC, hangs here); local mode answers
    # ExplicitFeature schemas itself and names what needs the feature store.
    schema, warnings = probe["feature_store_schema"]
    assert schema is None
    assert "FeatureStoreInput users.age needs Qwak's feature store" in warnings[0]
