"""The real qwak-inference RealTimeClient (PyPI, in its own cached venv) against a model deployed on the local
backend: every request body it sends is understood, and it parses every answer, PANDAS and DICTIONARY."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from local_backend_support import FIXTURE_MODELS, automation, clone_result, deploy, run_build
from tests.support.sdk_venvs import sdk_pythons

pytestmark = [pytest.mark.integration, pytest.mark.e2e]
HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def client_python() -> Path:
    return sdk_pythons(("qwak-inference",))["qwak-inference"]


def test_realtime_client_against_a_deployed_qwak_model(settings, cleanup, client_python):
    name = "local_rtc"
    spec = automation(name, build_spec={"parameters": {"factor": 3}})
    build = run_build(spec, settings, clone_result(settings, name, FIXTURE_MODELS / "qwak_model"), "run-1", emit=print)
    served = deploy(spec, build, None, settings)
    # Qwak's path layout (/v1/<model_id>/predict, what model_api points at on Qwak) and the plain /predict.
    for url in (served["model_endpoint"], served["endpoint"] + "/predict"):
        check_client(client_python, spec.model_id, url)


def check_client(client_python: Path, model_id: str, url: str) -> None:
    done = subprocess.run(
        [str(client_python), str(HERE / "realtime_client_call.py"), model_id, url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    doubled = [{"doubled": 3.0}, {"doubled": 6.0}]
    assert out["records_dictionary"] == doubled
    assert out["frame_split_pandas"] == {"doubled": [3.0, 6.0]}  # pd.DataFrame(answer) has the model's columns
    assert out["frame_records"] == out["frame_index"] == out["frame_columns"] == doubled
    assert out["one_vector"] == [{"doubled": 15.0}]
