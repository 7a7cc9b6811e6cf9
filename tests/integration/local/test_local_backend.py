"""The local backend's functions called directly (no scheduler): build a real model in a fresh venv, serve it,
replace it, keep it when the replacement never gets healthy, and undeploy it."""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from local_backend_support import EXAMPLE, FIXTURE_MODELS, automation, clone_result, deploy, run_build

from automations.backends.errors import DeployFailed
from automations.backends.local.build import BuildFailed
from automations.backends.local.process import is_alive
from automations.cli import deployments as deployments_cli
from automations.cli import undeploy as undeploy_cli
from automations.gateway import registry
from automations.serving_health import healthy
from model_runtime import contract

pytestmark = pytest.mark.integration
NAME = "local_example"


@pytest.fixture(scope="module")
def example_build(settings):
    """The example classifier built once for the module (its venv is reused by the deploys)."""
    spec = automation(NAME, build_spec={"parameters": {"max_iter": 300}, "env_vars": ["PYTHONHASHSEED=0"]})
    started = time.monotonic()
    build = run_build(spec, settings, clone_result(settings, NAME, EXAMPLE), "run-1", emit=print)
    print(f"example build took {time.monotonic() - started:.1f}s")
    return build


@pytest.fixture(scope="module")
def rows(example_build):
    """Five real rows of the data set and their labels, read with the build venv's own scikit-learn."""
    code = (
        "import json; from sklearn.datasets import load_breast_cancer as l; d = l(as_frame=True);"
        "print(json.dumps([json.loads(d.data.iloc[[0,1,19,20,21]].to_json(orient='records')),"
        " d.target.iloc[[0,1,19,20,21]].tolist()]))"
    )
    out = subprocess.run([example_build["python"], "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def post(url: str, payload) -> tuple[int, object]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def test_build_trains_in_an_isolated_venv_and_stores_the_artifact(example_build, settings):
    assert example_build["metrics"]["f1_score"] > 0.9
    assert example_build["tests"] == {"passed": 2, "failed": 0, "skipped": 0}
    json.dumps(example_build)  # the XCom must be JSON
    artifact = Path(example_build["artifact_uri"].removeprefix("file://"))
    assert {p.name for p in artifact.iterdir()} >= {contract.RESULT_FILE, contract.ARTIFACT_FILE, contract.SOURCE_DIR}
    assert (artifact / contract.SOURCE_DIR / "main" / "model.py").is_file()
    assert str(settings.envs_dir) in example_build["python"]
    isolated = subprocess.run([example_build["python"], "-c", "import airflow"], capture_output=True)
    assert isolated.returncode != 0, "the build venv must not see Airflow's packages"


def test_failing_model_test_fails_the_build_with_its_output(settings):
    name = "local_failing"
    clone = clone_result(settings, name, FIXTURE_MODELS / "failing_test")
    with pytest.raises(BuildFailed) as err:
        run_build(automation(name), settings, clone, "run-1", emit=lambda line: None)
    assert "the model's tests failed" in str(err.value)
    assert "a test that must fail" in str(err.value)


def test_deploy_serves_predictions_then_replaces_the_previous_server(example_build, rows, settings, cleanup):
    spec = automation(NAME, deployment_spec={"number_of_http_server_workers": 2, "max_batch_size": 2})
    first = deploy(spec, example_build, None, settings)
    status, predictions = post(first["endpoint"] + "/predict", rows[0])
    assert status == 200
    assert [p["prediction"] for p in predictions] == rows[1]
    assert len(children(first["pid"])) == 2, "number_of_http_server_workers=2 means two worker processes"

    second = deploy(spec, example_build, None, settings)
    assert second["pid"] != first["pid"] and second["upstream"] != first["upstream"]
    assert second["endpoint"] == first["endpoint"], "the variation's URL stays the same across deploys"
    assert not is_alive(first["pid"]), "the previous server is stopped once the new one is healthy"
    assert post(second["endpoint"] + "/predict", rows[0][:1])[1] == [{"prediction": rows[1][0]}]
    record = registry.read(settings.deployments_dir, NAME, "default")
    assert (record.pid, record.build_id, record.endpoint) == (
        second["pid"],
        example_build["build_id"],
        second["endpoint"],
    )


def test_a_killed_worker_is_replaced(example_build, settings, cleanup):
    result = deploy(
        automation(NAME, deployment_spec={"number_of_http_server_workers": 2}), example_build, None, settings
    )
    victim = children(result["pid"])[0]
    subprocess.run(["kill", "-KILL", str(victim)], check=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (victim in children(result["pid"]) or len(children(result["pid"])) < 2):
        time.sleep(0.1)
    assert victim not in children(result["pid"]) and len(children(result["pid"])) == 2
    assert healthy(result["endpoint"])


@pytest.mark.parametrize(
    ("mode", "timeout", "expected"),
    [
        ("hang", 4, "not healthy within 4s"),
        ("raise", 60, "initialize_model failed on purpose"),
    ],
)
def test_a_never_healthy_model_leaves_the_old_one_serving(
    example_build, rows, settings, cleanup, mode, timeout, expected
):
    old = deploy(automation(NAME), example_build, None, settings)
    clone = clone_result(settings, f"never_healthy_{mode}", FIXTURE_MODELS / "never_healthy")
    bad_build = run_build(automation(NAME), settings, clone, f"run-{mode}", emit=lambda line: None)
    bad_spec = automation(
        NAME, deployment_spec={"deployment_timeout": timeout, "env_vars": [f"NEVER_HEALTHY_MODE={mode}"]}
    )
    started = time.monotonic()
    with pytest.raises(DeployFailed, match=expected):
        deploy(bad_spec, bad_build, None, settings)
    assert time.monotonic() - started < timeout + 10
    assert post(old["endpoint"] + "/predict", rows[0][:2])[0] == 200, "the old deployment keeps serving"
    assert registry.read(settings.deployments_dir, NAME, "default").pid == old["pid"]
    leftovers = [p for p in Path("/proc").glob("[0-9]*/cmdline") if bad_build["build_id"].encode() in _read(p)]
    assert not [p for p in leftovers if is_alive(int(p.parent.name))], "the failed server must be killed"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_cli_lists_and_undeploys(example_build, settings, cleanup, capsys, monkeypatch):
    monkeypatch.setenv("AUTOMATIONS_STATE_DIR", str(settings.state_dir))
    result = deploy(automation(NAME, deployment_spec={"variation_name": "blue"}), example_build, None, settings)
    assert deployments_cli.run(argparse.Namespace(json=True)) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"automation": NAME, "variation": "blue", "pid": result["pid"], "alive": True}.items() <= listed[0].items()
    assert undeploy_cli.run(argparse.Namespace(name=NAME, variation="green")) == 1
    assert undeploy_cli.run(argparse.Namespace(name=NAME, variation=None)) == 0
    assert f"stopped {NAME}/blue" in capsys.readouterr().out
    assert not is_alive(result["pid"])
    assert registry.all_deployments(settings.deployments_dir) == []
    assert undeploy_cli.run(argparse.Namespace(name=NAME, variation=None)) == 1
    assert "no local deployment" in capsys.readouterr().err


def test_a_qwak_model_works_unchanged(settings, cleanup):
    name = "local_qwak"
    started = time.monotonic()
    build = run_build(
        automation(name, build_spec={"parameters": {"factor": 3}}),
        settings,
        clone_result(settings, name, FIXTURE_MODELS / "qwak_model"),
        "run-1",
        emit=print,
    )
    print(f"qwak-core model build took {time.monotonic() - started:.1f}s")
    # qwak.log_metric values and build()'s dict are merged; the non-numeric "note" is dropped.
    assert build["metrics"] == {"f1_score": 0.91, "factor": 3.0, "accuracy": 0.93}
    served = deploy(automation(name), build, None, settings)
    assert post(served["endpoint"] + "/predict", [{"x": 1}, {"x": 2}]) == (200, [{"doubled": 3.0}, {"doubled": 6.0}])


def test_a_frogml_model_works_unchanged(settings, cleanup):
    name = "local_frogml"
    build = run_build(
        automation(name), settings, clone_result(settings, name, FIXTURE_MODELS / "frogml_model"), "run-1", emit=print
    )
    assert build["metrics"] == {"f1_score": 0.88, "rows": 42.0}
    served = deploy(automation(name), build, None, settings)
    # @frogml.api()'s default DataFrameOutputAdapter answers a Series as records of its one column, as JFrog ML's
    # serving (and frogml's run_local) does: tests/integration/sdk/test_model_libraries.py compares the two.
    assert post(served["endpoint"] + "/predict", [{"x": 1}, {"x": 5}]) == (200, [{"x": 11}, {"x": 15}])


def test_a_slow_request_answers_504_and_its_worker_is_replaced(settings, cleanup):
    name = "local_slow"
    build = run_build(
        automation(name),
        settings,
        clone_result(settings, name, FIXTURE_MODELS / "slow_predict"),
        "run-1",
        emit=lambda line: None,
    )
    spec = automation(name, deployment_spec={"number_of_http_server_workers": 1, "http_request_timeout_ms": 500})
    served = deploy(spec, build, None, settings)
    worker = children(served["pid"])
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as err:
        post(served["endpoint"] + "/predict", [{"sleep": 5}])
    assert err.value.code == 504 and time.monotonic() - started < 3
    # The only worker was busy with the runaway prediction; a fresh one answers the next request.
    assert post(served["endpoint"] + "/predict", [{"sleep": 0}]) == (200, ["done"])
    assert children(served["pid"]) != worker
    lines = Path(registry.read(settings.deployments_dir, name, "default").log_file).read_text().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    statuses = {e["status"] for e in events if e.get("path") == "/predict"}
    assert {504, 200} <= statuses
    assert any(e.get("event") == "worker_restart" and e["reason"] == "timeout" for e in events)


def test_deploy_fetches_the_artifact_from_the_store_when_the_build_dir_is_gone(example_build, rows, settings, cleanup):
    build = {**example_build, "local_artifact": str(settings.state_dir / "no-such-dir")}
    served = deploy(automation(NAME), build, None, settings)
    fetched = settings.deployments_dir / "artifacts" / example_build["build_id"]
    assert (fetched / contract.ARTIFACT_FILE).is_file() and (fetched / contract.SOURCE_DIR / "main").is_dir()
    assert registry.read(settings.deployments_dir, NAME, "default").artifact == str(fetched)
    assert [p["prediction"] for p in post(served["endpoint"] + "/predict", rows[0])[1]] == rows[1]
