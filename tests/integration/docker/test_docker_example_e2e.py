"""The example model end to end on the Docker backend, through Airflow: `airflow dags test` runs
clone -> build (real container) -> push_image (real local registry) -> metric_gate -> deploy (real container),
and /predict answers. Verdicts come from the metadata DB, never from the CLI's exit code.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dockerkit import EXAMPLE_MODEL, post_json
from tests.support.airflow_env import AIRFLOW, migrate
from tests.support.airflow_env import airflow_env as make_airflow_env
from tests.support.gitrepo import copy_tree_into_repo, make_repo

from automations.gateway import control as gateway

pytestmark = [pytest.mark.integration, pytest.mark.docker, pytest.mark.e2e]

NAME = "example_docker"
DEFINITION = """
name: {name}
model_id: {name}
action:
  type: QwakBuildDeploy
  build_spec:
    git_uri: "{uri}#example_classifier"
    parameters: {{max_iter: 500}}
    resources: {{cpu_fraction: 1, memory: 1Gi}}
  deployment_condition: {{metric_name: f1_score, direction: ABOVE, threshold: "0.9"}}
  deployment_spec: {{number_of_http_server_workers: 1, cpu_fraction: 1, memory: 1Gi, deployment_timeout: 120}}
"""


@pytest.fixture
def airflow_env(tmp_path, base_image, registry) -> Iterator[dict]:
    repo = make_repo(tmp_path / "models", {"README.md": "models\n"})
    copy_tree_into_repo(repo, EXAMPLE_MODEL, "example_classifier", "example model")
    defs = tmp_path / "defs"
    defs.mkdir()
    (defs / f"{NAME}.yaml").write_text(DEFINITION.format(name=NAME, uri=(tmp_path / "models").as_uri()))
    env = make_airflow_env(
        tmp_path, defs, backend="docker", AUTOMATIONS_DOCKER_IMAGE=base_image, AUTOMATIONS_REGISTRY=registry
    )
    migrate(env)
    yield env | {"_AIRFLOW_BIN": AIRFLOW}
    gateway.stop(tmp_path / "state" / "deployments")  # the deploy started the stable-URL gateway, detached


def metadata(env: dict, sql: str) -> list[tuple]:
    with sqlite3.connect(Path(env["AIRFLOW_HOME"]) / "airflow.db") as db:
        return db.execute(sql).fetchall()


def xcom(env: dict, task_id: str):
    [(value,)] = metadata(env, f"SELECT value FROM xcom WHERE dag_id='{NAME}' AND task_id='{task_id}' "
                               "AND key='return_value'")
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def features(image: str, rows: int) -> list[dict]:
    """Rows of the data set the example trains on, read inside the base image (the host has no scikit-learn)."""
    code = ("import json; from sklearn.datasets import load_breast_cancer as l; "
            f"print(json.dumps(l(as_frame=True).data.head({rows}).to_dict(orient='records')))")
    out = subprocess.run(["docker", "run", "--rm", "--network", "none", image, "python", "-c", code],
                         check=True, capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout)


def test_example_model_builds_pushes_and_deploys_in_docker(airflow_env, cleanup_containers, base_image):
    cleanup_containers.append(NAME)
    started = time.monotonic()
    proc = subprocess.run([airflow_env["_AIRFLOW_BIN"], "dags", "test", NAME], env=airflow_env,
                          capture_output=True, text=True, timeout=900)
    wall = time.monotonic() - started
    states = dict(metadata(airflow_env, f"SELECT task_id, state FROM task_instance WHERE dag_id='{NAME}'"))
    assert states == {"clone": "success", "build": "success", "push_image": "success", "metric_gate": "success",
                      "deploy": "success", "skip_deploy": "skipped"}, proc.stdout[-4000:] + proc.stderr[-4000:]

    build, image, deployed = xcom(airflow_env, "build"), xcom(airflow_env, "push_image"), xcom(airflow_env, "deploy")
    durations = dict(metadata(airflow_env, "SELECT task_id, (julianday(end_date) - julianday(start_date)) * 86400 "
                                           f"FROM task_instance WHERE dag_id='{NAME}'"))
    print(f"\nexample model on docker: dags test {wall:.1f} s; build task {durations['build']:.1f} s; "
          f"push_image {durations['push_image']:.1f} s; deploy {durations['deploy']:.1f} s; "
          f"serving image {image['size_bytes'] / 1e6:.0f} MB")
    assert build["metrics"]["f1_score"] > 0.9
    assert image["pushed"] is True and image["image"].startswith("localhost:5000/example_docker:")
    status, predictions = post_json(f"{deployed['endpoint']}/predict", features(base_image, 3))
    assert status == 200 and len(predictions) == 3
