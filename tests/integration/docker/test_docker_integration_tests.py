"""tests/it/ after a Docker deploy, on the real engine: they run in a container of the serving image inside the
new container's network, and their outcome (passed or failed, never an error) is in the deploy result and in the
run record (the analytics store's integration_tests), through the deploy step the DAG runs."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from dockerkit import TINY_MODEL, FakeTaskInstance, clone_xcom, post_json, tiny_automation

from automations.analytics import open_store
from automations.backends.docker.build import build_operator
from automations.loader import LoadedAutomation
from automations.runs import BuildResult
from automations.settings import get_settings
from automations.steps.deploy import run_deploy
from automations.tasks import XCOM_INPUTS

pytestmark = [pytest.mark.integration, pytest.mark.docker]

# Qwak's shape: the fixture imported from qwak_mock, a client call, the answer checked.
PASSING = """
from qwak_mock import real_time_client  # noqa: F401


def test_the_deployed_model_answers(real_time_client):  # noqa: F811
    assert real_time_client.predict([{"x": 0.7}, {"x": 0.2}]) == [1, 0]


def test_it_sees_the_deployments_env():
    import os

    assert os.environ["IT_MARK"] == "from-the-deployment"
"""
FAILING = """
def test_the_deployed_model_answers(real_time_client):
    assert real_time_client.predict([{"x": 0.7}]) == [0], "tiny model: integration test failed on purpose"
"""


@pytest.fixture
def docker_backend(docker_settings, monkeypatch):
    """The whole settings with the Docker backend (docker_settings set the rest of the environment)."""
    monkeypatch.setenv("AUTOMATIONS_BACKEND", "docker")
    return get_settings()


@pytest.fixture
def deploy_log():
    """What the deploy logged through the automations loggers, read by our own handler: where the lines end up
    (the process's streams, pytest's capture) depends on whether Airflow's logging was set up earlier in the session."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    logger, handler = logging.getLogger("automations"), Collect(logging.INFO)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def model_with_tests_it(tmp_path: Path, test: str) -> Path:
    model = tmp_path / "models" / TINY_MODEL.name
    shutil.copytree(TINY_MODEL, model)
    (model / "tests" / "it").mkdir()
    (model / "tests" / "it" / "test_live.py").write_text(test)
    return model


def build_and_deploy(name: str, tmp_path: Path, settings, test: str):
    automation = tiny_automation(name, deployment={"env_vars": ["IT_MARK=from-the-deployment"]})
    ti = FakeTaskInstance({"clone": clone_xcom(tmp_path, model_with_tests_it(tmp_path, test))})
    xcom = build_operator(automation, settings.docker, XCOM_INPUTS).execute({"ti": ti, "run_id": f"manual__{name}"})
    build = BuildResult.from_xcom(xcom)
    result = run_deploy(LoadedAutomation(automation, tmp_path), build, None, f"manual__{name}", settings)
    return build, result


def recorded(settings, name: str) -> list[tuple]:
    return open_store(settings).fetch(
        "SELECT status, passed, failed, reason, build_id FROM integration_tests WHERE automation = :a", {"a": name}
    )


def leftover_tests_containers(docker_engine, name: str) -> list:
    labels = [f"io.automations.automation={name}", "io.automations.role=integration"]
    return docker_engine.containers.list(all=True, filters={"label": labels})


def test_passing_tests_it_run_against_the_new_container(
    tmp_path, docker_backend, cleanup_containers, docker_engine, deploy_log
):
    cleanup_containers.append("tiny_it_pass")
    build, result = build_and_deploy("tiny_it_pass", tmp_path, docker_backend, PASSING)
    tested = result.integration_tests
    assert tested is not None and (tested.status, tested.tests) == ("passed", {"passed": 2, "failed": 0, "skipped": 0})
    assert result.to_xcom()["integration_tests"]["status"] == "passed"
    assert recorded(docker_backend, "tiny_it_pass") == [("passed", 2, 0, "", build.build_id)]
    log = "\n".join(deploy_log)
    assert "tests/it: model_runtime integration: tests/it/ against http://127.0.0.1:8000" in log  # streamed
    assert "tests/it: 2 passed" in log and "tests/it/ passed (2 passed, 0 failed, 0 skipped)" in log
    assert leftover_tests_containers(docker_engine, "tiny_it_pass") == []
    assert post_json(f"{result.endpoint}/predict", [{"x": 0.9}]) == (200, [1])  # the deploy itself stands


def test_failing_tests_it_are_recorded_and_the_deploy_stands(
    tmp_path, docker_backend, cleanup_containers, docker_engine, deploy_log
):
    cleanup_containers.append("tiny_it_fail")
    build, result = build_and_deploy("tiny_it_fail", tmp_path, docker_backend, FAILING)
    tested = result.integration_tests
    assert tested is not None and tested.status == "failed" and tested.tests["failed"] == 1, tested
    assert tested.reason == "pytest exited with 1"
    assert recorded(docker_backend, "tiny_it_fail") == [("failed", 0, 1, "pytest exited with 1", build.build_id)]
    log = "\n".join(deploy_log)
    assert "integration test failed on purpose" in log  # pytest's own report, streamed into the deploy's log
    assert "tests/it/ failed (0 passed, 1 failed, 0 skipped): pytest exited with 1" in log
    assert leftover_tests_containers(docker_engine, "tiny_it_fail") == []
    assert post_json(f"{result.endpoint}/predict", [{"x": 0.9}]) == (200, [1])
